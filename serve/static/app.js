// The demo page: draw a digit, and while you draw, the server's LeNet-5
// answers with its class probabilities, the 28×28 image it was given and the
// feature maps of conv1 and conv2.
'use strict';

const $ = id => document.getElementById(id);
const pad = $('pad');
const pen = pad.getContext('2d');

// Ten rows of the probability chart, made once.
const rows = [];
for (let c = 0; c < 10; c++) {
  const li = document.createElement('li');
  li.innerHTML = `<span>${c}</span><div class="bar"><div></div></div><span class="pct"></span>`;
  $('probs').append(li);
  rows.push(li);
}

fetch('v1/models').then(r => r.json()).then(m => {
  const d = m.models[0];
  $('model').textContent = `${d.name}, epoch ${d.epoch}, ${d.parameters.toLocaleString('en')} parameters`;
  for (const f of d.features) { // black maps until the first answer
    canvases(f).forEach(c => gray(c, [], 0, c.width, c.height, 1));
  }
}).catch(() => {});

// Drawing: a thick round black brush on white paper, as on paper; the
// server inverts light paper to MNIST's white digit on black.
let last = null;  // the pointer's last position while it is down
let blank = true; // nothing drawn since the last Clear
let gen = 0;      // bumped by Clear, so that late answers are dropped

function clearPad() {
  pen.fillStyle = '#fff';
  pen.fillRect(0, 0, pad.width, pad.height);
  pen.lineWidth = 20;
  pen.lineCap = pen.lineJoin = 'round';
  pen.strokeStyle = pen.fillStyle = '#000';
  blank = true;
  gen++;
  show(null);
}

function at(e) {
  const r = pad.getBoundingClientRect();
  return { x: (e.clientX - r.left) * pad.width / r.width, y: (e.clientY - r.top) * pad.height / r.height };
}

function line(a, b) {
  pen.beginPath();
  pen.moveTo(a.x, a.y);
  pen.lineTo(b.x, b.y);
  pen.stroke();
}

pad.addEventListener('pointerdown', e => {
  pad.setPointerCapture(e.pointerId);
  last = at(e);
  line(last, last); // a dot
  blank = false;
  predict();
});
pad.addEventListener('pointermove', e => {
  if (!last) return;
  const p = at(e);
  line(last, p);
  last = p;
  predict();
});
for (const type of ['pointerup', 'pointercancel']) {
  pad.addEventListener(type, () => {
    if (!last) return;
    last = null;
    predict();
  });
}
$('clear').addEventListener('click', clearPad);

// predict sends the canvas as a PNG. One request is in flight at a time;
// drawing meanwhile asks for one more when it returns, so the last stroke
// is always answered.
let busy = false, again = false;

function predict() {
  if (busy) { again = true; return; }
  busy = true;
  again = false;
  const mine = gen;
  pad.toBlob(png => {
    fetch('v1/predict?detail=1', { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: png })
      .then(r => r.json().then(body => r.ok ? body : Promise.reject(new Error(body.error || r.statusText))))
      .then(p => { if (mine === gen && !blank) show(p); })
      .catch(err => { $('status').textContent = err.message; })
      .finally(() => {
        busy = false;
        if (again && !blank) predict();
      });
  }, 'image/png');
}

// show draws an answer, or the empty state for null.
function show(p) {
  $('class').textContent = p ? p.class : '–';
  $('latency').textContent = p ? `${p.latency_ms.toFixed(1)} ms on the server` : '';
  $('status').textContent = p ? '' : 'Draw with the mouse or a finger.';
  rows.forEach((li, c) => {
    const v = p ? p.probabilities[c] : 0;
    li.classList.toggle('top', !!p && c === p.class);
    li.querySelector('.bar div').style.width = `${100 * v}%`;
    li.querySelector('.pct').textContent = p ? `${(100 * v).toFixed(1)}%` : '';
  });
  gray($('input'), p ? p.input : [], 0, 28, 28, 1);
  for (const name of ['conv1', 'conv2']) {
    const f = p && p.features.find(f => f.name === name);
    const grid = $(name);
    if (!f) {
      for (const c of grid.children) gray(c, [], 0, c.width, c.height, 1);
      continue;
    }
    const [, h, w] = f.shape;
    canvases(f).forEach((c, i) => {
      const off = i * h * w;
      let peak = 0;
      for (let j = off; j < off + h * w; j++) peak = Math.max(peak, f.data[j]);
      gray(c, f.data, off, w, h, peak);
    });
  }
  document.body.dataset.predictions = p ? +(document.body.dataset.predictions || 0) + 1 : 0;
}

// canvases returns the canvases of a layer's feature maps, made to measure.
function canvases(f) {
  const [n, h, w] = f.shape;
  const grid = $(f.name);
  $(`${f.name}-shape`).textContent = `${n} maps of ${h}×${w}`;
  while (grid.children.length < n) grid.append(document.createElement('canvas'));
  const cs = [...grid.children].slice(0, n);
  for (const c of cs) {
    if (c.width !== w) c.width = w;
    if (c.height !== h) c.height = h;
  }
  return cs;
}

// gray paints w×h values from data[off:] on canvas c, 0 black and peak white.
function gray(c, data, off, w, h, peak) {
  const img = new ImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const v = peak > 0 ? 255 * Math.min(1, (data[off + i] || 0) / peak) : 0;
    img.data.fill(v, 4 * i, 4 * i + 3);
    img.data[4 * i + 3] = 255;
  }
  c.getContext('2d').putImageData(img, 0, 0);
}

clearPad();
