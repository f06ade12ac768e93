"""Speech in: audio conversion, voice activity, endpointing and the ASR engines behind one interface."""
