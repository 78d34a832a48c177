"""Early training of an option-A CIFAR ResNet (or its plain twin) in PyTorch with the recipe of
`convnet train` and `convnet experiment degradation`: SGD with learning rate 0.1, momentum 0.9,
weight decay 1e-4, batch 128, pad-4 random crops and flips, CIFAR mean/std, kaiming-normal init.

    /usr/bin/python3 tools/torchcheck/cifar_early.py ../shared/data/cifar10-jpeg.tar.gz 56 res 8000 62 [INIT [WARMUP]]

trains on the first NIMG/10 training images of each class for STEPS steps and prints the running
loss and accuracy every 15 steps, to compare with the first epoch of ours. INIT is "fan_in" (the
default: kaiming-normal with fan-in for every conv and the linear layer) or "torchvision" (kaiming-normal
with fan-out for the convs, the linear layer left at nn.Linear's default, as torchvision's ResNet) or
"default" (every layer left at PyTorch's own initialisation).
WARMUP is a number of first steps at learning rate 0.01 instead of 0.1 (the paper's warm-up for its
110-layer net).
"""
import io, sys, tarfile, random, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from PIL import Image
torch.set_num_threads(2)
archive, depth, residual = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "res"
nimg, steps = int(sys.argv[4]), int(sys.argv[5])
init = sys.argv[6] if len(sys.argv) > 6 else "fan_in"
warmup = int(sys.argv[7]) if len(sys.argv) > 7 else 0  # steps at lr 0.01 before 0.1
random.seed(0); torch.manual_seed(0)
classes = {}
per = nimg // 10
imgs, labels = [], []
with tarfile.open(archive) as tf:
    for m in tf:
        p = m.name.split("/")
        if len(p) == 4 and p[1] == "train" and m.isfile():
            c = p[2]
            classes.setdefault(c, 0)
            if classes[c] < per:
                classes[c] += 1
                imgs.append(np.asarray(Image.open(io.BytesIO(tf.extractfile(m).read())).convert("RGB")))
                labels.append(c)
names = sorted(set(labels)); y = torch.tensor([names.index(c) for c in labels])
x = torch.tensor(np.stack(imgs)).permute(0, 3, 1, 2).float() / 255
mean = torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1); std = torch.tensor([0.2470, 0.2435, 0.2616]).view(1, 3, 1, 1)
x = (x - mean) / std
class Block(nn.Module):
    def __init__(s, i, o, st):
        super().__init__()
        s.c1 = nn.Conv2d(i, o, 3, st, 1, bias=False); s.b1 = nn.BatchNorm2d(o)
        s.c2 = nn.Conv2d(o, o, 3, 1, 1, bias=False); s.b2 = nn.BatchNorm2d(o)
        s.pad = (o - i) // 2 if (st != 1 or i != o) else None
    def forward(s, x):
        out = F.relu(s.b1(s.c1(x))); out = s.b2(s.c2(out))
        if residual:
            sc = x if s.pad is None else F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, s.pad, s.pad))
            out = out + sc
        return F.relu(out)
class Net(nn.Module):
    def __init__(s, n):
        super().__init__()
        s.c = nn.Conv2d(3, 16, 3, 1, 1, bias=False); s.b = nn.BatchNorm2d(16)
        L, i = [], 16
        for k, w in enumerate([16, 32, 64]):
            for j in range(n):
                L.append(Block(i, w, 2 if (k > 0 and j == 0) else 1)); i = w
        s.L = nn.Sequential(*L); s.fc = nn.Linear(64, 10)
        for m in s.modules():
            if init == "default":
                break  # nn.Conv2d's and nn.Linear's own initialisation
            if init == "torchvision":
                if isinstance(m, nn.Conv2d): nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.Conv2d, nn.Linear)): nn.init.kaiming_normal_(m.weight)
    def forward(s, x):
        x = F.relu(s.b(s.c(x))); x = s.L(x)
        return s.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))
net = Net((depth - 2) // 6)
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
n = len(y); step = 0; tl = tc = tn = 0; t0 = time.time()
while step < steps:
    perm = torch.randperm(n)
    for b in range(0, n - 127, 128):
        idx = perm[b:b+128]; xb = x[idx]
        xb = F.pad(xb, (4, 4, 4, 4))
        out = torch.empty(len(idx), 3, 32, 32)
        for i in range(len(idx)):
            dy, dx = random.randint(0, 8), random.randint(0, 8)
            im = xb[i, :, dy:dy+32, dx:dx+32]
            out[i] = im.flip(2) if random.random() < 0.5 else im
        for g in opt.param_groups: g["lr"] = 0.01 if step < warmup else 0.1
        logits = net(out); loss = F.cross_entropy(logits, y[idx])
        opt.zero_grad(); loss.backward(); opt.step()
        tl += loss.item() * len(idx); tc += (logits.argmax(1) == y[idx]).sum().item(); tn += len(idx)
        step += 1
        if step % 15 == 0:
            print(f"step {step} loss {tl/tn:.4f} acc {100*tc/tn:.2f}% ({time.time()-t0:.0f}s)", flush=True)
        if step >= steps: break
