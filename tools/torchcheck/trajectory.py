"""The PyTorch half of tools/torchcheck/trajectory: loads the initial weights and batches that the Go
command wrote into DIR, trains the same CIFAR ResNet (option-A shortcuts) or plain net with the same SGD
(momentum 0.9, weight decay 1e-4) and prints the loss of every step, beside the Go command's.

    /usr/bin/python3 tools/torchcheck/trajectory.py DIR
"""
import sys, os
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(2)
d = sys.argv[1]
model, steps, batch, lr = open(os.path.join(d, "config.txt")).read().split()
steps, batch, lr = int(steps), int(batch), float(lr)
residual, depth = model.startswith("resnet"), int(model.lstrip("resnetplain"))
class Block(nn.Module):
    def __init__(s, i, o, st):
        super().__init__()
        s.conv1 = nn.Conv2d(i, o, 3, st, 1, bias=False); s.bn1 = nn.BatchNorm2d(o)
        s.conv2 = nn.Conv2d(o, o, 3, 1, 1, bias=False); s.bn2 = nn.BatchNorm2d(o)
        s.pad = (o - i) // 2 if (st != 1 or i != o) else None
    def forward(s, x):
        out = s.bn2(s.conv2(F.relu(s.bn1(s.conv1(x)))))
        if residual:
            out = out + (x if s.pad is None else F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, s.pad, s.pad)))
        return F.relu(out)
class Net(nn.Module):
    def __init__(s, n):
        super().__init__()
        s.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False); s.bn1 = nn.BatchNorm2d(16)
        i = 16
        for k, w in enumerate([16, 32, 64]):
            L = []
            for j in range(n):
                L.append(Block(i, w, 2 if (k > 0 and j == 0) else 1)); i = w
            setattr(s, f"layer{k+1}", nn.Sequential(*L))
        s.fc = nn.Linear(64, 10)
    def forward(s, x):
        x = F.relu(s.bn1(s.conv1(x)))
        x = s.layer3(s.layer2(s.layer1(x)))
        return s.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))
net = Net((depth - 2) // 6)
net.load_state_dict(torch.load(os.path.join(d, "init.pth")), strict=True)
x = torch.from_numpy(np.fromfile(os.path.join(d, "x.f32"), dtype="<f4")).view(steps, batch, 3, 32, 32)
y = torch.from_numpy(np.fromfile(os.path.join(d, "y.i64"), dtype="<i8")).view(steps, batch)
opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4)
for s in range(steps):
    logits = net(x[s]); loss = F.cross_entropy(logits, y[s])
    print(f"step {s+1} loss {loss.item():.6f}", flush=True)
    opt.zero_grad(); loss.backward(); opt.step()
