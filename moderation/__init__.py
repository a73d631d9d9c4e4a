"""moderation: self-hosted comment moderation with a retrainable spam classifier."""

__version__ = "0.1.0"
