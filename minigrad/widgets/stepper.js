// The Stepper's view: the graph laid out once by Graphviz, restyled at every step.
//
// The kernel sends everything once (the SVG; per step its text, the box to highlight and the
// gradients that change; per box the forward step that computes it), so a click never waits
// for Python, and a saved notebook reopened without a kernel still steps through.

const SPEEDS = [["slow", 1600], ["normal", 900], ["fast", 350]];

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, tip, action) {
  const node = element("button", "mg-button", label);
  node.type = "button";
  node.title = tip;
  node.setAttribute("aria-label", tip);
  node.addEventListener("click", action);
  return node;
}

// Each box's gradient over time, from the changes each step lists: [[step, lines], …].
function gradientHistory(steps) {
  const history = new Map();
  steps.forEach((step, index) => {
    for (const [box, lines] of Object.entries(step.grads)) {
      if (!history.has(box)) history.set(box, []);
      history.get(box).push([index, lines]);
    }
  });
  return history;
}

// The lines a box shows at step ``index``: its last change up to then (binary search).
function linesAt(changes, index) {
  let low = 0;
  let high = changes ? changes.length : 0;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (changes[middle][0] <= index) low = middle + 1;
    else high = middle;
  }
  return low ? changes[low - 1][1] : null;
}

function render({ model, el }) {
  const steps = model.get("steps");
  const computed = model.get("computed");
  const last = steps.length - 1;
  if (last < 0) {
    el.textContent = "Nothing to step through.";
    return;
  }
  const history = gradientHistory(steps);
  let timer = null;
  let zoom = 1;

  el.classList.add("minigrad-stepper");
  const bar = element("div", "mg-bar");
  const body = element("div", "mg-body");
  const pane = element("div", "mg-graph");
  const side = element("div", "mg-side");
  const header = element("div", "minigrad-step");
  const text = element("pre", "minigrad-step-text");
  side.append(header, text);
  body.append(pane, side);
  el.append(bar, body);

  pane.innerHTML = model.get("svg");
  const svg = pane.querySelector("svg");
  const width = svg ? svg.width.baseVal.value : 0;
  const height = svg ? svg.height.baseVal.value : 0;
  const boxes = new Map();
  for (const group of pane.querySelectorAll("g.node")) {
    boxes.set(group.querySelector("title").textContent, group);
  }
  const arrows = [...pane.querySelectorAll("g.edge")].map((group) => [
    group,
    group.querySelector("title").textContent.split("->").map((end) => end.split(":")[0]),
  ]);
  const gradLines = new Map();
  for (const line of pane.querySelectorAll("text.mg-grad")) {
    const box = line.dataset.box;
    if (!gradLines.has(box)) gradLines.set(box, []);
    gradLines.get(box).push(line);
  }

  const go = (index) => {
    index = Math.max(0, Math.min(last, index));
    if (index !== model.get("index")) {
      model.set("index", index);
      model.save_changes();
    }
    show(index);
  };
  const stop = () => {
    clearInterval(timer);
    timer = null;
    play.textContent = "▶ play";
    play.title = "play: one step after another";
  };
  const play = button("▶ play", "play: one step after another", () => {
    if (timer !== null) return stop();
    if (model.get("index") >= last) go(0);
    play.textContent = "❚❚ pause";
    play.title = "pause";
    timer = setInterval(() => {
      if (model.get("index") >= last) return stop();
      go(model.get("index") + 1);
    }, Number(speed.value));
  });
  const speed = element("select", "mg-speed");
  speed.title = "speed of play";
  for (const [name, interval] of SPEEDS) {
    const option = element("option", "", name);
    option.value = String(interval);
    speed.append(option);
  }
  speed.value = String(SPEEDS[1][1]);
  speed.addEventListener("change", () => {
    if (timer !== null) {
      stop();
      play.click();
    }
  });
  const slider = element("input", "mg-slider");
  Object.assign(slider, { type: "range", min: 0, max: last, step: 1 });
  slider.title = "drag to any step";
  slider.addEventListener("input", () => go(Number(slider.value)));
  const counter = element("span", "mg-counter");
  const scale = (factor) => {
    if (!svg) return; // the pane shows why there is no picture
    zoom = Math.max(0.25, Math.min(2, zoom * factor));
    svg.style.width = `${width * zoom}px`;
    svg.style.height = `${height * zoom}px`;
    follow();
  };
  bar.append(
    button("«", "first step", () => go(0)),
    button("‹", "back one step", () => go(model.get("index") - 1)),
    button("›", "next step", () => go(model.get("index") + 1)),
    button("»", "last step", () => go(last)),
    play,
    speed,
    slider,
    counter,
    button("−", "zoom out", () => scale(1 / 1.25)),
    button("+", "zoom in", () => scale(1.25)),
  );

  // Scroll the graph pane (never the page) so that the current box is in sight.
  const follow = () => {
    const box = pane.querySelector("g.node.mg-current");
    if (!box) return;
    const inner = box.getBoundingClientRect();
    const outer = pane.getBoundingClientRect();
    const margin = 24;
    if (
      inner.top < outer.top + margin ||
      inner.bottom > outer.bottom - margin ||
      inner.left < outer.left + margin ||
      inner.right > outer.right - margin
    ) {
      pane.scrollTo({
        top: pane.scrollTop + inner.top - outer.top - (outer.height - inner.height) / 2,
        left: pane.scrollLeft + inner.left - outer.left - (outer.width - inner.width) / 2,
      });
    }
  };

  const show = (index) => {
    index = Math.max(0, Math.min(last, index));
    const step = steps[index];
    // in the forward pass, the boxes of results not computed yet are pale
    const pale = (id) => step.phase === "forward" && (computed[id] ?? -1) > index;
    for (const [id, group] of boxes) {
      group.classList.toggle("mg-current", id === step.box);
      group.classList.toggle("mg-faded", pale(id));
    }
    for (const [group, ends] of arrows) {
      group.classList.toggle("mg-faded", ends.some(pale));
    }
    for (const [box, lines] of gradLines) {
      const values = linesAt(history.get(box), index) || ["—"];
      const fresh = box in step.grads;
      lines.forEach((line, k) => {
        line.textContent = (line.dataset.prefix || "") + (values[k] || "");
        line.classList.toggle("mg-fresh", fresh);
      });
    }
    const phase = step.phase === "forward" ? "Forward pass" : "Backward pass";
    header.textContent = `${phase} · step ${index} of ${last}`;
    text.textContent = step.text;
    slider.value = String(index);
    counter.textContent = `${index} / ${last}`;
    follow();
  };

  model.on("change:index", () => show(model.get("index")));
  show(model.get("index"));
  requestAnimationFrame(follow); // once the view is on the page and has a size
  return () => clearInterval(timer);
}

export default { render };
