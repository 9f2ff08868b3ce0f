/*
 * rnnbook.js: the course's character models replayed in the reader's browser.
 *
 * A line-by-line mirror of the Python package, for a reader who knows the chapters:
 *   - the cells of code/rnnbook/numpy_rnn/ (vanilla.rnn_step, lstm.lstm_gates, gru.gru_gates),
 *     with Keras's gate layouts and the GRU's reset_after both ways;
 *   - CharStepper of code/rnnbook/stepper.py (step, feed, initialState);
 *   - apply_temperature, keep_top_k, keep_top_p, distribution, sample, generate, beam_search
 *     and entropy of code/rnnbook/sampling.py; Vocabulary.clean of code/rnnbook/data.py.
 * Plain JavaScript: no framework, no build step, nothing fetched. The weights come from the
 * scripts `python -m rnnbook.web_export` writes (each registers itself on
 * globalThis.RNNBOOK_MODELS). Everything is computed in float64 from the float32 weights.
 * Names follow the Python ones in camelCase (keep_top_k -> keepTopK).
 */
(function (root) {
  "use strict";

  // ------------------------------------------------------------------------------------------
  // Activations (numpy_rnn/activations.py).

  // sigmoid: 0.5 * (1 + tanh(z / 2)), the same function as 1 / (1 + exp(-z)), never overflows.
  function sigmoid(z) {
    return 0.5 * (1.0 + Math.tanh(0.5 * z));
  }

  // softmax: the largest logit is subtracted before exp (no overflow), then normalised.
  function softmax(logits) {
    let max = -Infinity;
    for (let j = 0; j < logits.length; j++) if (logits[j] > max) max = logits[j];
    const z = new Float64Array(logits.length);
    let sum = 0;
    for (let j = 0; j < logits.length; j++) {
      z[j] = Math.exp(logits[j] - max);
      sum += z[j];
    }
    for (let j = 0; j < z.length; j++) z[j] /= sum;
    return z;
  }

  // ------------------------------------------------------------------------------------------
  // Arrays: the exported weights (web_export.encode_array: base64 of little-endian float32).

  function decodeArray(record) {
    const bytes = base64Bytes(record.data);
    const view = new DataView(bytes.buffer);
    const data = new Float32Array(bytes.length / 4);
    for (let k = 0; k < data.length; k++) data[k] = view.getFloat32(4 * k, true);  // little-endian
    return { shape: record.shape, data: data };
  }

  // The bytes of a base64 text (atob in a page; written out for an engine without it).
  function base64Bytes(text) {
    if (typeof root.atob === "function") {
      const binary = root.atob(text);
      const bytes = new Uint8Array(binary.length);
      for (let k = 0; k < binary.length; k++) bytes[k] = binary.charCodeAt(k);
      return bytes;
    }
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const lookup = new Int16Array(128).fill(-1);
    for (let k = 0; k < 64; k++) lookup[alphabet.charCodeAt(k)] = k;
    const clean = text.replace(/=+$/, "");
    const bytes = new Uint8Array(Math.floor(clean.length * 3 / 4));
    let buffer = 0, bits = 0, n = 0;
    for (let k = 0; k < clean.length; k++) {
      buffer = ((buffer << 6) | lookup[clean.charCodeAt(k)]) & 0xffffff;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        bytes[n++] = (buffer >> bits) & 0xff;
      }
    }
    return bytes;
  }

  // out += x @ W, for x of length n and W (n, m) row-major (Keras's kernel layout).
  // An input that is 0 adds nothing: a one-hot x costs one row of W, as input_table[ids] does.
  function addProduct(out, x, W) {
    const m = W.shape[1], w = W.data;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i];
      if (xi === 0) continue;
      const row = i * m;
      let j = 0;
      for (; j + 3 < m; j += 4) {  // four at a time: the same sums, fewer loop tests
        out[j] += xi * w[row + j];
        out[j + 1] += xi * w[row + j + 1];
        out[j + 2] += xi * w[row + j + 2];
        out[j + 3] += xi * w[row + j + 3];
      }
      for (; j < m; j++) out[j] += xi * w[row + j];
    }
  }

  // A copy of a bias (or a row of it) as float64: the start of a sum of products.
  function biasRow(bias, start, length) {
    const out = new Float64Array(length);
    for (let j = 0; j < length; j++) out[j] = bias[start + j];
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // The cells (rnnbook/cells.py: one entry per kind, with its prepare and step).
  // prepare(weights, resetAfter): Keras's [kernel, recurrent_kernel, bias], checked once.
  // step(x, state, w, trace): the new state, h first; trace (optional) receives every array.

  function checkLayer(kind, ws, gates, biasRows) {
    const units = ws[1].shape[0];
    if (ws.length !== 3 || ws[1].shape[1] !== gates * units || ws[0].shape[1] !== gates * units ||
        ws[2].data.length !== biasRows * gates * units) {
      throw new Error(`weights: expected a ${kind} layer's [kernel (features, ${gates} * units), ` +
                      `recurrent_kernel (units, ${gates} * units), bias], ` +
                      `received shapes ${ws.map(w => "(" + w.shape.join(", ") + ")").join(", ")}`);
    }
    return units;
  }

  const CELLS = {
    // numpy_rnn/vanilla.py: a_t = x_t W + h_{t-1} U + b;  h_t = tanh(a_t)
    rnn: {
      stateSize: 1,
      arrays: ["h"],
      prepare: function (ws) {
        const u = checkLayer("rnn", ws, 1, 1);
        return { units: u, kernel: ws[0], recurrent: ws[1], bias: ws[2].data };
      },
      step: function (x, state, w, trace) {
        const a = biasRow(w.bias, 0, w.units);  // b
        addProduct(a, x, w.kernel);  // + x_t @ W
        addProduct(a, state[0], w.recurrent);  // + h @ U
        const h = new Float64Array(w.units);
        for (let j = 0; j < w.units; j++) h[j] = Math.tanh(a[j]);  // h_t = tanh(a_t)
        if (trace) trace.push({ h: h });
        return [h];
      },
    },
    // numpy_rnn/lstm.py, lstm_gates; Keras's column order: i, f, c~ (g), o.
    lstm: {
      stateSize: 2,
      arrays: ["i", "f", "g", "o", "c", "h"],
      prepare: function (ws) {
        const u = checkLayer("lstm", ws, 4, 1);
        return { units: u, kernel: ws[0], recurrent: ws[1], bias: ws[2].data };
      },
      step: function (x, state, w, trace) {
        const u = w.units, h = state[0], c = state[1];
        const a = biasRow(w.bias, 0, 4 * u);  // the four gates side by side: b_i b_f b_c b_o
        addProduct(a, x, w.kernel);  // + x_t @ [W_i W_f W_c W_o]
        addProduct(a, h, w.recurrent);  // + h @ [U_i U_f U_c U_o]
        const gi = new Float64Array(u), gf = new Float64Array(u), gg = new Float64Array(u);
        const go = new Float64Array(u), cNew = new Float64Array(u), hNew = new Float64Array(u);
        for (let j = 0; j < u; j++) {
          gf[j] = sigmoid(a[u + j]);  // f = sigmoid(x_t @ W_f + h @ U_f + b_f): forget gate
          gi[j] = sigmoid(a[j]);  // i = sigmoid(x_t @ W_i + h @ U_i + b_i): input gate
          gg[j] = Math.tanh(a[2 * u + j]);  // g = tanh(x_t @ W_c + h @ U_c + b_c): candidate
          cNew[j] = gf[j] * c[j] + gi[j] * gg[j];  // c_new = f * c + i * g
          go[j] = sigmoid(a[3 * u + j]);  // o = sigmoid(x_t @ W_o + h @ U_o + b_o): output gate
          hNew[j] = go[j] * Math.tanh(cNew[j]);  // h_new = o * tanh(c_new)
        }
        if (trace) trace.push({ i: gi, f: gf, g: gg, o: go, c: cNew, h: hNew });
        return [hNew, cNew];
      },
    },
    // numpy_rnn/gru.py, gru_gates; Keras's column order: z, r, h~. The bias is (2, 3 * units)
    // when resetAfter (row 0 input side bx, row 1 recurrent side bh), else (3 * units,).
    gru: {
      stateSize: 1,
      arrays: ["z", "r", "h_tilde", "h"],
      prepare: function (ws, resetAfter) {
        const u = checkLayer("gru", ws, 3, resetAfter ? 2 : 1);
        const zeros = new Float32Array(3 * u);
        return {
          units: u, kernel: ws[0], recurrent: ws[1], resetAfter: resetAfter,
          bx: resetAfter ? ws[2].data.subarray(0, 3 * u) : ws[2].data,  // b, c = bias[0], bias[1]
          bh: resetAfter ? ws[2].data.subarray(3 * u, 6 * u) : zeros,  // c = 0 when not reset_after
          // the columns of U_h alone (reset_after=False multiplies r * h by U_h only)
          recurrentH: resetAfter ? null : columns(ws[1], 2 * u, 3 * u),
        };
      },
      step: function (x, state, w, trace) {
        const u = w.units, h = state[0];
        const ax = biasRow(w.bx, 0, 3 * u);  // x-side: x_t @ W_{z,r,h} + bx_{z,r,h}
        addProduct(ax, x, w.kernel);
        const ah = biasRow(w.bh, 0, 3 * u);  // h-side: h @ U_{z,r,h} + bh_{z,r,h}
        addProduct(ah, h, w.recurrent);
        const z = new Float64Array(u), r = new Float64Array(u), m = new Float64Array(u);
        const hTilde = new Float64Array(u), hNew = new Float64Array(u);
        for (let j = 0; j < u; j++) {
          z[j] = sigmoid(ax[j] + ah[j]);  // z = sigmoid(x_t @ W_z + h @ U_z + bx_z + bh_z)
          r[j] = sigmoid(ax[u + j] + ah[u + j]);  // r = sigmoid(x_t @ W_r + h @ U_r + bx_r + bh_r)
        }
        if (w.resetAfter) {
          for (let j = 0; j < u; j++) {
            m[j] = ah[2 * u + j];  // m = h @ U_h + bh_h: the recurrent term first ...
            hTilde[j] = Math.tanh(ax[2 * u + j] + r[j] * m[j]);  // ... then r scales it
          }
        } else {
          for (let j = 0; j < u; j++) m[j] = r[j] * h[j];  // m = r * h: r scales the state first
          const mU = new Float64Array(u);
          addProduct(mU, m, w.recurrentH);  // m @ U_h: then the matrix product
          // h~ = tanh(x_t @ W_h + m @ U_h + bx_h)
          for (let j = 0; j < u; j++) hTilde[j] = Math.tanh(ax[2 * u + j] + mU[j]);
        }
        for (let j = 0; j < u; j++) {
          hNew[j] = z[j] * h[j] + (1 - z[j]) * hTilde[j];  // z keeps the old state (Keras)
        }
        if (trace) trace.push({ z: z, r: r, h_tilde: hTilde, h: hNew });
        return [hNew];
      },
    },
  };

  // Columns [start, stop) of a row-major matrix, as a new (rows, stop - start) matrix.
  function columns(W, start, stop) {
    const rows = W.shape[0], m = W.shape[1], width = stop - start;
    const data = new Float32Array(rows * width);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < width; j++) data[i * width + j] = W.data[i * m + start + j];
    }
    return { shape: [rows, width], data: data };
  }

  // ------------------------------------------------------------------------------------------
  // CharStepper (stepper.py): one character per step, the recurrent state carried between calls.
  // One sequence at a time (the NumPy stepper takes a batch; beamSearch steps each beam).

  function CharStepper(record) {
    if (!CELLS[record.kind]) throw new Error(`kind: expected one of rnn, lstm, gru, received ${record.kind}`);
    this.name = record.name;
    this.kind = record.kind;
    this.cell = CELLS[record.kind];  // self.cell = cell(kind)
    this.chars = record.chars;
    this.vocab = new Vocabulary(record.chars);
    const arrays = record.arrays;
    // One-hot input: x_t is a one-hot row (input_table = eye); embedding: the matrix's row.
    this.oneHot = arrays.embedding === null;
    this.inputTable = this.oneHot ? null : decodeArray(arrays.embedding);
    // Checked and cut once, here, not at every step: self.weights = [cell.prepare(ws) ...]
    this.weights = arrays.cells.map(ws => this.cell.prepare(ws.map(decodeArray), record.reset_after));
    this.denseKernel = decodeArray(arrays.dense[0]);  // (units, vocab)
    this.denseBias = decodeArray(arrays.dense[1]).data;  // (vocab,)
    this.units = this.weights.map(w => w.units);
    this.vocabSize = this.denseBias.length;
  }

  // Zero state (Keras's default): one array per state entry per layer, h then c for an LSTM.
  CharStepper.prototype.initialState = function () {
    const state = [];
    for (const units of this.units) {
      for (let s = 0; s < this.cell.stateSize; s++) state.push(new Float64Array(units));
    }
    return state;
  };

  // The input vector of one id: input_table[ids].
  CharStepper.prototype.input = function (id) {
    if (this.oneHot) {
      const x = new Float64Array(this.vocabSize);
      x[id] = 1;
      return x;
    }
    const dim = this.inputTable.shape[1];
    return Float64Array.from(this.inputTable.data.subarray(id * dim, (id + 1) * dim));
  };

  // step(id, state) -> {probs, state}; trace (optional) receives each layer's arrays.
  CharStepper.prototype.step = function (id, state, trace) {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new Error(`ids: expected integers in [0, ${this.vocabSize}), received ${id}`);
    }
    state = state || this.initialState();
    let x = this.input(id);  // (features,): a one-hot row or an embedding
    const newState = [];
    const size = this.cell.stateSize;
    for (let layer = 0; layer < this.weights.length; layer++) {
      // the course's cell on this layer's state
      const layerState = this.cell.step(x, state.slice(size * layer, size * (layer + 1)),
                                        this.weights[layer], trace);
      newState.push(...layerState);
      x = layerState[0];  // h feeds the next layer
    }
    const logits = biasRow(this.denseBias, 0, this.vocabSize);
    addProduct(logits, x, this.denseKernel);  // x @ dense_kernel + dense_bias
    return { probs: softmax(logits), state: newState };
  };

  // feed(ids, state): a whole prefix, step by step; the probabilities after the last one.
  CharStepper.prototype.feed = function (ids, state) {
    if (!ids.length) throw new Error("ids: expected at least one id, received none");
    let out = null;
    for (const id of ids) {
      out = this.step(id, state);
      state = out.state;
    }
    return out;
  };

  // ------------------------------------------------------------------------------------------
  // The vocabulary (data.py, Vocabulary): ids in the card's order; clean() as in Python.

  const EQUIVALENTS = {
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "-": "\u2014", "\t": " ", "\r": "", "`": "'", '"': "'",
  };

  function Vocabulary(chars) {
    this.chars = chars;
    this.index = new Map(chars.map((c, i) => [c, i]));
  }

  // Free text made encodable: lower-cased when the vocabulary has no capitals, typographic
  // variants replaced, accents stripped, the rest dropped. Returns {text, lowered, replaced, dropped}.
  Vocabulary.prototype.clean = function (text) {
    let lowered = false;
    const hasUpper = this.chars.some(c => c !== c.toLowerCase());
    if (!hasUpper && text !== text.toLowerCase()) {
      text = text.toLowerCase();
      lowered = true;
    }
    const out = [], replaced = new Set(), dropped = new Set();
    for (const c of text) {
      if (this.index.has(c)) {
        out.push(c);
        continue;
      }
      let substitute = Object.prototype.hasOwnProperty.call(EQUIVALENTS, c) ? EQUIVALENTS[c] : null;
      if (substitute === null) {
        const bare = Array.from(c.normalize("NFKD"))[0];
        substitute = bare !== c ? bare : null;
      }
      if (substitute !== null && Array.from(substitute).every(s => this.index.has(s))) {
        out.push(substitute);
        replaced.add(c);
      } else {
        dropped.add(c);
      }
    }
    return { text: out.join(""), lowered: lowered, replaced: [...replaced].sort(),
             dropped: [...dropped].sort() };
  };

  Vocabulary.prototype.encode = function (text) {
    return Array.from(text, c => this.index.get(c));
  };

  Vocabulary.prototype.decode = function (ids) {
    return ids.map(i => this.chars[i]).join("");
  };

  const START = "\n";  // sampling.START: where generation starts from an empty seed

  // prepare_seed: the ids to feed, and what cleaning changed.
  function prepareSeed(vocab, seedText) {
    const cleaned = vocab.clean(seedText);
    let text = cleaned.text;
    if (!text) text = vocab.index.has(START) ? START : vocab.chars[0];
    return { ids: vocab.encode(text), text: text, cleaned: cleaned };
  }

  // ------------------------------------------------------------------------------------------
  // One probability vector (sampling.py).

  // Ids from the most likely down; on a tie the lower id first (np.argsort(-p, kind="stable")).
  function order(p) {
    const ids = Array.from(p, (_, i) => i);
    return ids.sort((a, b) => (p[b] - p[a]) || (a - b));
  }

  function argmax(p) {
    let best = 0;
    for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;  // the first on a tie
    return best;
  }

  function normalised(q) {
    let sum = 0;
    for (let i = 0; i < q.length; i++) sum += q[i];
    return q.map(v => v / sum);
  }

  // apply_temperature: p_T ∝ exp(log p / T); T = 0 puts all the mass on the argmax.
  function applyTemperature(p, temperature) {
    if (temperature === 0) {
      const q = new Float64Array(p.length);
      q[argmax(p)] = 1;
      return q;
    }
    const logits = Float64Array.from(p, v => Math.log(v) / temperature);  // log 0 = -inf
    return softmax(logits);
  }

  // keep_top_k: the k most likely (all if k >= vocab), renormalised.
  function keepTopK(p, k) {
    if (k >= p.length) return Float64Array.from(p);
    const keep = order(p).slice(0, k);
    const q = new Float64Array(p.length);
    for (const i of keep) q[i] = p[i];
    return normalised(q);
  }

  // keep_top_p: the smallest set of most likely characters whose mass reaches topP.
  function keepTopP(p, topP) {
    const q = new Float64Array(p.length);
    let cumsum = 0;
    for (const i of order(p)) {
      cumsum += p[i];
      const massBefore = cumsum - p[i];  // mass of the more likely characters
      if (massBefore < topP) q[i] = p[i];  // the set stops at the one that reaches topP
    }
    return normalised(q);
  }

  // distribution: temperature first, then top-k, then top-p (null skips a filter).
  function distribution(p, options) {
    const o = options || {};
    const temperature = o.temperature === undefined ? 1.0 : o.temperature;
    if (!(temperature >= 0)) throw new Error(`temperature: expected a number >= 0, received ${temperature}`);
    let q = applyTemperature(p, temperature);
    if (o.topK !== undefined && o.topK !== null) {
      if (!(Number.isInteger(o.topK) && o.topK >= 1)) throw new Error(`top_k: expected an integer >= 1, received ${o.topK}`);
      q = keepTopK(q, o.topK);
    }
    if (o.topP !== undefined && o.topP !== null) {
      if (!(o.topP > 0 && o.topP <= 1)) throw new Error(`top_p: expected a number in (0, 1], received ${o.topP}`);
      q = keepTopP(q, o.topP);
    }
    return q;
  }

  // A seeded random generator: mulberry32, uniform numbers in [0, 1) from a 32-bit state.
  // (Not NumPy's PCG64: the same seed draws other characters than the chapter's.)
  function Random(seed) {
    let a = (seed >>> 0) || 0x9e3779b9;
    this.random = function () {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // sample: one id from the shaped distribution, by inverse CDF (searchsorted, side="right").
  function sample(p, options, rng) {
    const q = distribution(p, options);
    if ((options || {}).temperature === 0) return argmax(q);
    const cdf = new Float64Array(q.length);
    let sum = 0;
    for (let i = 0; i < q.length; i++) cdf[i] = sum += q[i];
    const u = rng.random() * cdf[q.length - 1];
    let i = 0;
    while (i < q.length && cdf[i] <= u) i++;  // the first cdf[i] > u
    return Math.min(i, q.length - 1);
  }

  // entropy, in bits.
  function entropy(p) {
    let h = 0;
    for (const v of p) if (v > 0) h -= v * Math.log2(v);
    return Math.max(0, h);
  }

  // ------------------------------------------------------------------------------------------
  // Running a model (sampling.py: next_char_probs, generate, beam_search).

  function nextCharProbs(stepper, seedText) {
    return stepper.feed(prepareSeed(stepper.vocab, seedText).ids, null).probs;
  }

  // generate: the seed fed once, then one step per character drawn.
  function generate(stepper, seedText, length, options, rng) {
    if (!(Number.isInteger(length) && length >= 0)) throw new Error(`length: expected an integer >= 0, received ${length}`);
    const seed = prepareSeed(stepper.vocab, seedText);
    if (length === 0) return "";
    let { probs, state } = stepper.feed(seed.ids, null);
    const out = [];
    for (let i = 0; i < length; i++) {
      out.push(sample(probs, options, rng));
      if (i + 1 < length) ({ probs, state } = stepper.step(out[out.length - 1], state));
    }
    return stepper.vocab.decode(out);
  }

  // beam_search: keep the beamWidth most likely continuations; returns {text, logProb}.
  function beamSearch(stepper, seedText, length, beamWidth) {
    if (!(Number.isInteger(beamWidth) && beamWidth >= 1)) throw new Error(`beam_width: expected an integer >= 1, received ${beamWidth}`);
    const seed = prepareSeed(stepper.vocab, seedText);
    if (length === 0) return { text: "", logProb: 0 };
    const first = stepper.feed(seed.ids, null);
    let beams = [{ score: 0, path: [], probs: first.probs, state: first.state }];
    for (let t = 0; t < length; t++) {
      const candidates = [];  // (beam, character) pairs, in the flattened order of NumPy
      beams.forEach((b, k) => {
        for (let c = 0; c < b.probs.length; c++) {
          candidates.push({ beam: k, char: c, score: b.score + Math.log(b.probs[c]) });
        }
      });
      // Stable sort: on a tie the lower (beam, character) wins, as argmax does in greedy.
      candidates.sort((a, b) => (b.score - a.score) || (a.beam - b.beam) || (a.char - b.char));
      beams = candidates.slice(0, beamWidth).map(cand => {
        const parent = beams[cand.beam];
        const next = { score: cand.score, path: parent.path.concat([cand.char]) };
        if (t + 1 < length) ({ probs: next.probs, state: next.state } = stepper.step(cand.char, parent.state));
        return next;
      });
    }
    return { text: stepper.vocab.decode(beams[0].path), logProb: beams[0].score };
  }

  // Every array of one layer after each character of a text: {name: [step][unit]}.
  function recordText(stepper, text, layer) {
    const ids = prepareSeed(stepper.vocab, text).ids;
    const values = {};
    for (const name of stepper.cell.arrays) values[name] = [];
    let state = null;
    for (const id of ids) {
      const trace = [];
      state = stepper.step(id, state, trace).state;
      for (const name of stepper.cell.arrays) values[name].push(trace[layer][name]);
    }
    return { text: stepper.vocab.decode(ids), values: values };
  }

  root.RNNBOOK = {
    CELLS: CELLS, CharStepper: CharStepper, Vocabulary: Vocabulary, Random: Random,
    STRATEGIES: ["ancestral", "top-k", "top-p", "greedy", "beam"],
    sigmoid: sigmoid, softmax: softmax, decodeArray: decodeArray, prepareSeed: prepareSeed,
    applyTemperature: applyTemperature, keepTopK: keepTopK, keepTopP: keepTopP,
    distribution: distribution, sample: sample, entropy: entropy, argmax: argmax,
    nextCharProbs: nextCharProbs, generate: generate, beamSearch: beamSearch,
    recordText: recordText,
  };
})(globalThis);
