"""Models: loading, activation and hot swap, training jobs, re-scoring, the what-if replay.

loading.py (the one loader that refuses untrusted artifacts), activation.py,
hotswap.py, training.py (a training job's work), rescore.py, whatif.py,
presenters.py. A service: free of HTTP; it may import intake/ (re-scoring
decides as a submission does), ops/, store/ and classifier/.
"""
