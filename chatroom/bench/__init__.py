"""The load generator and benchmark suite (``chatroom-bench``); see main.py."""
