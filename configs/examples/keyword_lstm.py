"""A small keyword-spotting network over audio features, in plain PyTorch (no costcalc imports):
Conv1d front end ('same' padding), an LSTM over time, a linear classifier on the last step.

Analyze it with:  costcalc analyze configs/examples/keyword_lstm.py:KeywordLSTM --input 1,40,100 --reconcile
"""

from torch import nn


class KeywordLSTM(nn.Module):
    """40 mel bands × T frames → 64-channel Conv1d features → LSTM(64 → 128) → 12 keywords."""

    def __init__(self, bands: int = 40, hidden: int = 128, keywords: int = 12) -> None:
        super().__init__()
        self.frontend = nn.Sequential(nn.Conv1d(bands, 64, 5, padding="same", bias=False), nn.BatchNorm1d(64),
                                      nn.ReLU(inplace=True))
        self.lstm = nn.LSTM(64, hidden, batch_first=True)
        self.classifier = nn.Linear(hidden, keywords)

    def forward(self, x):
        features = self.frontend(x).transpose(1, 2)   # N × T × 64
        steps, _ = self.lstm(features)
        return self.classifier(steps[:, -1])
