/*
 * rnnbook-ui.js: the two in-page tools of the built book, on top of rnnbook.js.
 *
 *   - the sampling explorer (as rnnbook.widgets.SamplingExplorer: model, seed, strategy and
 *     its settings, Generate, the text, a status line naming the settings used, and the
 *     distribution of the next character as a bar chart);
 *   - the live colouring of Inside the trained LSTM (as rnnbook.anatomy.colored_text_html:
 *     type a text, pick a model, layer, array and unit, and the text is coloured as you go).
 *
 * Each mounts itself on an element with data-rnnbook="explorer" or data-rnnbook="colouring"
 * (rnnbook.browser writes them). Models are listed by rnnbook-models/index.js and each is
 * loaded, when first picked, by adding its <script>: that works from file:// as from a host.
 */
(function (root) {
  "use strict";
  const R = root.RNNBOOK;
  const CHART_BARS = 12;  // widgets.CHART_BARS
  const VISIBLE = { "\n": "⏎", " ": "␣", "\t": "⇥" };  // widgets._VISIBLE
  const SHOWN = { "\n": "⏎\n", "\t": "⇥" };  // anatomy._SHOWN
  const GATE_NAMES = {  // anatomy.GATE_NAMES
    i: "input gate", f: "forget gate", o: "output gate", g: "candidate", c: "cell state",
    h: "hidden state", z: "update gate", r: "reset gate", h_tilde: "candidate",
  };
  const STRATEGY_TIPS = {  // widgets.STRATEGY_TIPS
    "ancestral": "ancestral sampling: draw every character from the model's distribution, sharpened or flattened by the temperature",
    "top-k": "top-k: draw from the k most likely characters only",
    "top-p": "top-p (nucleus): draw from the smallest set of most likely characters whose mass reaches p",
    "greedy": "greedy: always the most likely character",
    "beam": "beam search: the most likely continuation that a beam of this width finds",
  };

  // ------------------------------------------------------------------------------------------
  // Models: the index, the scripts, one stepper per model.

  function modelsBase() {
    const tag = Array.from(document.scripts).find(s => /rnnbook-models\/index\.js(\?.*)?$/.test(s.src));
    return tag ? tag.src.replace(/index\.js(\?.*)?$/, "") : null;
  }

  const steppers = {};
  const pending = {};

  function loadStepper(name, done, fail) {
    if (steppers[name]) return done(steppers[name]);
    const ready = () => {
      try {
        steppers[name] = steppers[name] || new R.CharStepper(root.RNNBOOK_MODELS[name]);
        done(steppers[name]);
      } catch (err) {
        fail(err);
      }
    };
    if (root.RNNBOOK_MODELS && root.RNNBOOK_MODELS[name]) return ready();
    const entry = (root.RNNBOOK_MODEL_INDEX || []).find(e => e.name === name);
    const base = modelsBase();
    if (!entry || !base) return fail(new Error(`model ${name}: not among the exported models`));
    if (!pending[name]) {
      pending[name] = [];
      const tag = document.createElement("script");
      tag.src = base + entry.file;
      tag.onload = () => pending[name].splice(0).forEach(cb => cb.ok());
      tag.onerror = () => pending[name].splice(0).forEach(cb => cb.err(new Error(`model ${name}: ${entry.file} could not be loaded`)));
      document.head.appendChild(tag);
    }
    pending[name].push({ ok: ready, err: fail });
  }

  // ------------------------------------------------------------------------------------------
  // Small DOM helpers.

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "style") node.style.cssText = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function labelled(text, control, valueNode, wide) {
    const display = wide ? "display:flex;width:98%" : "display:inline-flex";
    const row = el("label", { class: "rnnbook-control", style: `${display};align-items:center;gap:6px;margin:3px 12px 3px 0` },
      [el("span", { text: text, style: "min-width:5.5em" }), control]);
    if (valueNode) row.append(valueNode);
    return row;
  }

  function slider(cls, min, max, step, value, digits) {
    const input = el("input", { type: "range", class: cls, min: min, max: max, step: step, value: value, style: "width:140px" });
    const shown = el("span", { style: "min-width:2.5em;font-family:monospace" });
    const sync = () => { shown.textContent = Number(input.value).toFixed(digits); };
    input.addEventListener("input", sync);
    sync();
    return { input: input, shown: shown, sync: sync };
  }

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function noModels(box) {
    box.replaceChildren(el("em", { style: "color:#b00", text: "No model was exported with these " +
      "pages (the book's build writes them with python -m rnnbook.web_export)." }));
  }

  function indexEntries() {
    return root.RNNBOOK_MODEL_INDEX || [];
  }

  function modelSelect(cls, chosen) {
    const select = el("select", { class: cls });
    for (const entry of indexEntries()) {
      const option = el("option", { value: entry.name, text: entry.name, title: entry.summary });
      if (entry.name === chosen) option.selected = true;
      select.append(option);
    }
    return select;
  }

  // widgets.bar_chart_html: the most likely characters under `shaped`, the model's own behind.
  function barChart(chars, shaped, raw, title, legend) {
    const ids = Array.from(shaped, (_, i) => i).sort((a, b) => (shaped[b] - shaped[a]) || (a - b)).slice(0, CHART_BARS);
    const rows = ids.map(i => {
      const behind = raw ? `<div style="position:absolute;left:0;top:0;height:100%;width:${(100 * raw[i]).toFixed(1)}%;background:#ccc"></div>` : "";
      return '<div class="rnnbook-bar" style="display:flex;align-items:center;margin:1px 0;font-family:monospace">' +
        `<span style="width:2em;text-align:center">${escapeHtml(VISIBLE[chars[i]] || chars[i])}</span>` +
        '<div style="position:relative;width:220px;height:14px;background:#f4f4f4">' +
        `${behind}<div style="position:absolute;left:0;top:3px;height:8px;width:${(100 * shaped[i]).toFixed(1)}%;background:#1f77b4"></div></div>` +
        `<span style="margin-left:6px">${shaped[i].toFixed(3)}</span></div>`;
    });
    if (legend === undefined) legend = raw ? "blue: drawn from; grey: the model's own" : "";
    return `<div style="white-space:nowrap;overflow:hidden;text-overflow:ellipsis" title="${escapeHtml(title)}"><b>${escapeHtml(title)}</b></div>` +
      rows.join("") + (legend ? `<div style="font-size:smaller;color:#555">${escapeHtml(legend)}</div>` : "");
  }

  function cleaningNotes(cleaned) {
    const notes = [];
    if (cleaned.lowered) notes.push("lower-cased");
    if (cleaned.replaced.length) notes.push("replaced " + cleaned.replaced.map(c => JSON.stringify(c)).join(" "));
    if (cleaned.dropped.length) notes.push("dropped " + cleaned.dropped.map(c => JSON.stringify(c)).join(" ") + " (not in the vocabulary)");
    return notes.length ? ` Seed text: ${notes.join("; ")}.` : "";
  }

  // ------------------------------------------------------------------------------------------
  // The sampling explorer.

  function explorer(box) {
    const entries = indexEntries();
    if (!entries.length) return noModels(box);
    const seedText = box.getAttribute("data-seed") || "shall i compare thee to a summer's day?\n";
    const model = modelSelect("rnnbook-model", box.getAttribute("data-model") || entries[0].name);
    const seed = el("textarea", { class: "rnnbook-page-seed", rows: 2, style: "flex:1;font-family:monospace" });
    seed.value = seedText;
    const strategy = el("span", { class: "rnnbook-strategy", role: "radiogroup" });
    let chosen = "ancestral";
    const buttons = R.STRATEGIES.map(name => {
      const b = el("button", { type: "button", "data-strategy": name, title: STRATEGY_TIPS[name], text: name,
                               style: "margin-right:2px;padding:2px 8px;border:1px solid #999;border-radius:2px;cursor:pointer" });
      b.addEventListener("click", () => { chosen = name; settingsChanged(); });
      strategy.append(b);
      return b;
    });
    const length = slider("rnnbook-length", 0, 1000, 10, Number(box.getAttribute("data-length") || 200), 0);
    const temperature = slider("rnnbook-temperature", 0, 2, 0.05, 1.0, 2);
    const topK = slider("rnnbook-top-k", 1, 40, 1, 5, 0);
    const topP = slider("rnnbook-top-p", 0.05, 1, 0.05, 0.9, 2);
    const beamWidth = slider("rnnbook-beam-width", 1, 20, 1, 5, 0);
    const randomSeed = el("input", { type: "number", class: "rnnbook-random-seed", min: 0, step: 1, value: 1, style: "width:6em" });
    const button = el("button", { type: "button", class: "rnnbook-generate", text: "▶ Generate",
                                  style: "white-space:nowrap;padding:3px 14px;background:#2196f3;color:#fff;border:0;border-radius:2px;cursor:pointer" });
    const status = el("span", { class: "rnnbook-status", style: "margin-left:10px;font-size:90%" });
    const chart = el("div", { class: "rnnbook-chart", style: "font-size:85%" });
    const output = el("pre", { class: "rnnbook-output", style: "white-space:pre-wrap;font-size:1.05em;min-height:2em" });

    const controls = el("div", { style: "flex:3 1 0%;min-width:280px" }, [
      el("div", {}, [labelled("Model", model)]),
      el("div", {}, [labelled("Seed text", seed, null, true)]),
      el("div", {}, [labelled("Strategy", strategy)]),
      el("div", {}, [labelled("Length", length.input, length.shown), labelled("Temperature", temperature.input, temperature.shown)]),
      el("div", {}, [labelled("k", topK.input, topK.shown), labelled("p", topP.input, topP.shown), labelled("Beam width", beamWidth.input, beamWidth.shown)]),
      el("div", {}, [labelled("Random seed", randomSeed)]),
      el("div", { style: "display:flex;align-items:center;margin-top:4px" }, [button, status]),
    ]);
    box.replaceChildren(
      el("div", { style: "display:flex;flex-wrap:wrap;gap:12px" }, [controls, el("div", { style: "flex:1 1 0%;min-width:320px" }, [chart])]),
      output);

    function settings() {  // SamplingExplorer.settings
      return {
        temperature: chosen === "greedy" ? 0 : Number(temperature.input.value),
        topK: chosen === "top-k" ? Number(topK.input.value) : null,
        topP: chosen === "top-p" ? Number(topP.input.value) : null,
      };
    }

    function describe() {  // the settings the status line names
      const t = `T = ${Number(temperature.input.value).toFixed(2)}`;
      return { "ancestral": `ancestral, ${t}`, "top-k": `top-k, k = ${topK.input.value}, ${t}`,
               "top-p": `top-p, p = ${Number(topP.input.value).toFixed(2)}, ${t}`, "greedy": "greedy",
               "beam": `beam search, width ${beamWidth.input.value}` }[chosen];
    }

    function withStepper(then) {
      const name = model.value;
      loadStepper(name, stepper => { if (model.value === name) then(stepper); },
                  err => { status.innerHTML = `<span style="color:#b00">${escapeHtml(String(err.message || err))}</span>`; });
    }

    function updateChart() {
      withStepper(stepper => {
        topK.input.max = stepper.vocabSize;
        topK.sync();
        const raw = R.nextCharProbs(stepper, seed.value);
        if (chosen === "beam") {
          chart.innerHTML = barChart(stepper.chars, raw, null, "Next character: the model's own (beam)",
                                     "beam search ranks whole continuations by these log-probabilities");
        } else {
          const shaped = R.distribution(raw, settings());
          chart.innerHTML = barChart(stepper.chars, shaped, raw, `Next character (${chosen}), entropy ${R.entropy(shaped).toFixed(2)} bits`);
        }
      });
    }

    function settingsChanged() {
      status.textContent = "";  // the last run's message belongs to the old settings
      buttons.forEach(b => {
        const on = b.getAttribute("data-strategy") === chosen;
        b.style.background = on ? "#2196f3" : "#eee";
        b.style.color = on ? "#fff" : "#000";
        b.setAttribute("aria-pressed", on ? "true" : "false");
      });
      temperature.input.disabled = chosen === "greedy" || chosen === "beam";
      topK.input.disabled = chosen !== "top-k";
      topP.input.disabled = chosen !== "top-p";
      beamWidth.input.disabled = chosen !== "beam";
      updateChart();
    }

    function generate() {
      status.textContent = "generating…";
      // A moment for the page to show that line before the work (it holds the page meanwhile).
      setTimeout(() => withStepper(run), 30);
    }

    function run(stepper) {
      const seedValue = seed.value, n = Number(length.input.value), used = Number(randomSeed.value) || 0;
      const start = performance.now();
      let text, extra = "";
      try {
        if (chosen === "beam") {
          const best = R.beamSearch(stepper, seedValue, n, Number(beamWidth.input.value));
          text = best.text;
          extra = `, log-probability ${best.logProb.toFixed(1)} nats`;
        } else {
          text = R.generate(stepper, seedValue, n, settings(), new R.Random(used));
        }
      } catch (err) {
        status.innerHTML = `<span style="color:#b00">${escapeHtml(String(err.message || err))}</span>`;
        return;
      }
      const seconds = (performance.now() - start) / 1000;
      const prepared = R.prepareSeed(stepper.vocab, seedValue);
      output.replaceChildren(el("span", { class: "rnnbook-seed-shown", style: "color:#777", text: prepared.text }),
                             el("b", { class: "rnnbook-text", text: text }));
      const random = chosen === "greedy" || chosen === "beam" ? "" : `, random seed ${used}`;
      status.textContent = `${text.length} characters in ${seconds.toFixed(2)} s${extra}: ${model.value}, ${describe()}${random}.` +
        cleaningNotes(prepared.cleaned);
      if (random) randomSeed.value = used + 1;  // the next click draws other characters
    }

    model.addEventListener("change", settingsChanged);
    let typing = null;  // the chart follows the seed once the typing pauses
    seed.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(updateChart, 150); });
    for (const s of [temperature, topK, topP, beamWidth, length]) s.input.addEventListener("input", settingsChanged);
    button.addEventListener("click", generate);
    settingsChanged();
  }

  // ------------------------------------------------------------------------------------------
  // The live colouring (anatomy.colored_text_html, recomputed in the page).

  // anatomy._colour: white at 0, red towards +1, blue towards -1.
  function colour(v) {
    v = Math.max(-1, Math.min(1, v));
    const fade = Math.round(255 * (1 - Math.abs(v)));
    return v >= 0 ? `rgb(255,${fade},${fade})` : `rgb(${fade},${fade},255)`;
  }

  function colouring(box) {
    const entries = indexEntries();
    if (!entries.length) return noModels(box);
    const text = el("textarea", { class: "rnnbook-colour-text", rows: 4, style: "flex:1;font-family:monospace" });
    text.value = box.getAttribute("data-text") || "shall i compare thee to a summer's day?\n";
    const model = modelSelect("rnnbook-colour-model", box.getAttribute("data-model") || entries[0].name);
    const layer = el("select", { class: "rnnbook-colour-layer" });
    const array = el("select", { class: "rnnbook-colour-array" });
    const unit = el("input", { type: "number", class: "rnnbook-colour-unit", min: 0, step: 1, style: "width:5em" });
    const unitSlider = el("input", { type: "range", class: "rnnbook-colour-unit-slider", min: 0, step: 1, style: "width:180px" });
    const caption = el("div", { class: "rnnbook-colour-caption", style: "font-family:sans-serif;font-size:90%;margin:4px 0" });
    const body = el("div", { class: "rnnbook-coloured", style: "font-family:monospace;white-space:pre-wrap;line-height:1.45;color:#000;background:#fff;padding:4px;border:1px solid #ddd" });
    box.replaceChildren(
      el("div", {}, [labelled("Text", text, null, true)]),
      el("div", {}, [labelled("Model", model), labelled("Layer", layer), labelled("Array", array),
                     labelled("Unit", unit), unitSlider]),
      caption, body);
    let wanted = { array: box.getAttribute("data-array") || "h", unit: Number(box.getAttribute("data-unit") || 0),
                   layer: Number(box.getAttribute("data-layer") || 0) };
    let recording = null, stepper = null;

    function options(select, values, labels, chosenValue) {
      select.replaceChildren(...values.map((v, k) => el("option", { value: v, text: labels[k] })));
      select.value = values.includes(chosenValue) ? chosenValue : values[values.length - 1];
    }

    function record() {
      const name = model.value;
      loadStepper(name, s => {
        if (model.value !== name) return;
        stepper = s;
        const layers = s.units.map((_, k) => String(k));
        options(layer, layers, layers.map(k => `${Number(k) + 1} of ${layers.length}`), String(wanted.layer));
        options(array, s.cell.arrays, s.cell.arrays.map(a => `${a} (${GATE_NAMES[a]})`), wanted.array);
        const units = s.units[Number(layer.value)];
        unit.max = unitSlider.max = units - 1;
        unit.value = unitSlider.value = Math.min(wanted.unit, units - 1);
        recording = R.recordText(s, text.value, Number(layer.value));
        paint();
      }, err => { caption.innerHTML = `<span style="color:#b00">${escapeHtml(String(err.message || err))}</span>`; });
    }

    function paint() {
      if (!recording) return;
      const j = Number(unit.value), name = array.value;
      const values = recording.values[name].map(step => step[j]);
      let scale = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
      const spans = Array.from(recording.text, (c, t) =>
        `<span title="${values[t] >= 0 ? "+" : ""}${values[t].toFixed(3)}" style="background-color:${colour(values[t] / scale)}">${escapeHtml(SHOWN[c] || c)}</span>`);
      body.innerHTML = spans.join("");
      const layers = stepper.units.length > 1 ? `, layer ${Number(layer.value) + 1} of ${stepper.units.length}` : "";
      caption.innerHTML = `${escapeHtml(model.value)} ${escapeHtml(name)}[${j}] (${GATE_NAMES[name]}${layers}) ` +
        `<span style="color:#555">(blue: negative, white: 0, red: positive; ±${scale.toFixed(2)} is full colour)</span>`;
      box.setAttribute("data-shown", `${name}[${j}]`);
    }

    function remember() {
      wanted = { array: array.value, unit: Number(unit.value), layer: Number(layer.value) };
    }

    text.addEventListener("input", record);
    model.addEventListener("change", () => { remember(); record(); });
    layer.addEventListener("change", () => { remember(); record(); });
    array.addEventListener("change", () => { remember(); paint(); });
    unit.addEventListener("input", () => { unitSlider.value = unit.value; remember(); paint(); });
    unitSlider.addEventListener("input", () => { unit.value = unitSlider.value; remember(); paint(); });
    record();
  }

  function mountAll() {
    document.querySelectorAll('[data-rnnbook="explorer"]').forEach(explorer);
    document.querySelectorAll('[data-rnnbook="colouring"]').forEach(colouring);
  }

  root.RNNBOOK_UI = { explorer: explorer, colouring: colouring, mountAll: mountAll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})(globalThis);
