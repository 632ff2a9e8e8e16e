"""Local LoRA fine-tuning and generation for the embedded service.

Import the submodules directly (``lsft_chain.training.lora`` ...); this package imports nothing heavy.
"""
