"""Calls: voice and video in a room, peer to peer from the web page.

The server only keeps who is in each room's call and relays the pages'
signalling between its participants (:mod:`~chatroom.core.calls.service`);
the media never pass through it. Behind NAT they go through the operator's
TURN server, for which a participant is handed time-limited credentials
(:mod:`~chatroom.core.calls.turn`).
"""
