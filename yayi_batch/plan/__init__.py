"""`yayi-batch plan`: what a run would do and cost, before any model work."""
