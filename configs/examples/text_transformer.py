"""A small text classifier in plain PyTorch (no costcalc imports): token embedding, a two-layer
``nn.TransformerEncoder`` (its eval fast path runs each layer as one fused operator), mean pooling
over the tokens and a linear classifier. Its input is token ids, so give the input's dtype:

    costcalc analyze configs/examples/text_transformer.py:TextTransformer --input 2,32:int64
"""

from torch import nn


class TextTransformer(nn.Module):
    """Token ids N × L → embeddings (E = 64) → 2 encoder layers (4 heads, feed-forward 128) → 8 classes."""

    def __init__(self, vocabulary: int = 1000, embed: int = 64, heads: int = 4, feedforward: int = 128,
                 layers: int = 2, classes: int = 8) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocabulary, embed)
        layer = nn.TransformerEncoderLayer(embed, heads, feedforward, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.classifier = nn.Linear(embed, classes)

    def forward(self, ids):
        return self.classifier(self.encoder(self.embed(ids)).mean(dim=1))
