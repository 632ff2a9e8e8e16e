"""A tiny randomly initialised Llama with a ChatML tokenizer, built offline in about a second.

It behaves like SmolLM2-135M-Instruct where the code cares (special tokens, pad == eos == <|im_end|>,
the exact chat template) so tests can train and generate with it quickly.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["build_tiny_model", "SMOLLM2_CHAT_TEMPLATE", "TINY_CORPUS"]

SMOLLM2_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

TINY_CORPUS = [
    "You are a helpful AI assistant named SmolLM, trained by Hugging Face",
    "system user assistant tool",
    "What is the capital of France? The capital of France is Paris.",
    "What is the capital of Italy? The capital of Italy is Rome.",
    "Say hello. Hello, world! Tell me a joke. Why did the chicken cross the road?",
    '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>',
    "You may call these tools: <tools>[{\"name\": \"get_weather\", \"parameters\": {}}]</tools>",
    "The quick brown fox jumps over the lazy dog. 0 1 2 3 4 5 6 7 8 9",
    "subject object relation triples JSON {\"s\": \"a\", \"object\": \"b\", \"relation\": \"c\"}",
]


def _build_tokenizer() -> object:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(TINY_CORPUS * 4, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<|im_end|>", pad_token="<|im_end|>",
        unk_token="<|endoftext|>", chat_template=SMOLLM2_CHAT_TEMPLATE, model_max_length=512)


def build_tiny_model(dest: Path) -> Path:
    """Save a tiny Llama (hidden 64, 2 layers, 4 heads) and its tokenizer to ``dest``; return it absolute."""
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    dest = Path(dest).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    tokenizer = _build_tokenizer()
    eos = tokenizer.convert_tokens_to_ids("<|im_end|>")
    bos = tokenizer.convert_tokens_to_ids("<|im_start|>")
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=512, 
        initializer_range=0.2,  # not 0.02: the tied head must be able to give confident logits, and attention
        # must be far from uniform, for LoRA alone to memorise answers in a few dozen steps
        tie_word_embeddings=True, bos_token_id=bos, eos_token_id=eos, pad_token_id=eos)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        model.model.embed_tokens.weight.normal_(0.0, 0.3)
    model.generation_config = GenerationConfig(bos_token_id=bos, eos_token_id=eos, pad_token_id=eos)
    model.save_pretrained(str(dest))
    tokenizer.save_pretrained(str(dest))
    return dest
