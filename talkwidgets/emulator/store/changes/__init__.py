"""Changes to the emulator's data, each with the live-feed events and webhooks it causes.

Every function here runs inside ``Storage.transaction()``: what it writes, emits and queues
commits together or not at all."""
