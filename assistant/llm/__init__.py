"""The multimodal model stage: an OpenAI-compatible client, the home's tools, and the routing policy."""
