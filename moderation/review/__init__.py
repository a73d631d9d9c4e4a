"""Moderators' decisions and how comments are presented to moderators.

decisions.py (apply a decision: row lock, history, label, announcement),
presenters.py (a comment as the moderator API and the desk show it), text.py
(highlighting, links, ages for the pages). A service: free of HTTP.
"""
