// The Stepper's view: the graph laid out once by Graphviz, restyled at every step.
//
// The kernel sends everything once (the SVG; per step its text, the box to highlight and the
// gradients that change; per box the forward step that computes it), so a click never waits
// for Python, and a saved notebook reopened without a kernel still steps through.

const SPEEDS = [["slow", 1600], ["normal", 900], ["fast", 350]];
const OVERVIEW_SIZE = 150; // px: the longer side of the map of a graph larger than its pane

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

// The room between the pane's edge and the picture (the current box's border needs it).
function paddingOf(pane) {
  return parseFloat(getComputedStyle(pane).paddingLeft) || 0;
}

// A map of the whole graph in the pane's corner, shown while the graph does not fit its pane:
// the part in view is framed, the current box marked; a click or a drag on it moves the view.
function makeOverview(svg, pane, width, height) {
  const map = element("div", "mg-overview");
  if (!svg || !width || !height) {
    map.hidden = true;
    return { element: map, update: () => {}, top: () => Infinity };
  }
  const ratio = OVERVIEW_SIZE / Math.max(width, height); // map pixels per graph pixel
  const picture = svg.cloneNode(true);
  for (const node of [picture, ...picture.querySelectorAll("[id], [class]")]) {
    node.removeAttribute("id"); // a picture only: no second "node1", no boxes to restyle
    node.removeAttribute("class");
  }
  picture.setAttribute("aria-hidden", "true"); // the pane's picture is the one to read
  Object.assign(picture.style, { width: `${width * ratio}px`, height: `${height * ratio}px` });
  const frame = element("div", "mg-overview-frame");
  const marker = element("div", "mg-overview-current");
  map.append(picture, frame, marker);
  map.title = "the whole graph: click or drag to move the view";

  // the pane's visible area, on screen
  const view = () => {
    const outer = pane.getBoundingClientRect();
    const left = outer.left + pane.clientLeft;
    const top = outer.top + pane.clientTop;
    return { left, top, width: pane.clientWidth, height: pane.clientHeight };
  };
  // a rectangle on screen, placed on the map (clipped to the graph)
  const place = (target, rect, shown) => {
    const scale = (width / shown.width) * ratio;
    const left = Math.max(0, rect.left - shown.left) * scale;
    const top = Math.max(0, rect.top - shown.top) * scale;
    const right = Math.min(shown.width, rect.left + rect.width - shown.left) * scale;
    const bottom = Math.min(shown.height, rect.top + rect.height - shown.top) * scale;
    Object.assign(target.style, {
      left: `${left}px`,
      top: `${top}px`,
      width: `${Math.max(0, right - left)}px`,
      height: `${Math.max(0, bottom - top)}px`,
    });
  };
  const moveTo = (event) => {
    const area = picture.getBoundingClientRect();
    const shown = svg.getBoundingClientRect();
    const seen = view();
    const scale = shown.width / area.width; // screen pixels per map pixel
    pane.scrollBy({
      left: shown.left + (event.clientX - area.left) * scale - (seen.left + seen.width / 2),
      top: shown.top + (event.clientY - area.top) * scale - (seen.top + seen.height / 2),
    });
  };
  map.addEventListener("pointerdown", (event) => {
    map.setPointerCapture(event.pointerId);
    moveTo(event);
  });
  map.addEventListener("pointermove", (event) => {
    if (map.hasPointerCapture(event.pointerId)) moveTo(event);
  });

  // whether the map hides part of a rectangle on screen
  const covers = (rect) => {
    const over = map.getBoundingClientRect();
    return !(
      rect.right <= over.left ||
      rect.left >= over.right ||
      rect.bottom <= over.top ||
      rect.top >= over.bottom
    );
  };
  let top = Infinity; // where the map begins on screen, in its own corner (none: Infinity)
  const update = () => {
    map.hidden = pane.scrollWidth <= pane.clientWidth && pane.scrollHeight <= pane.clientHeight;
    map.classList.remove("mg-overview-top");
    top = map.hidden ? Infinity : map.getBoundingClientRect().top;
    if (map.hidden) return;
    const shown = svg.getBoundingClientRect();
    place(frame, view(), shown);
    const current = svg.querySelector("g.node.mg-current");
    marker.hidden = !current;
    if (!current) return;
    const box = current.getBoundingClientRect();
    place(marker, box, shown);
    // a box too tall to sit above the map: the map moves to the top corner
    if (covers(box)) map.classList.add("mg-overview-top");
  };
  return { element: map, update, top: () => top };
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
  const stage = element("div", "mg-stage"); // the pane, with the map over its corner
  const pane = element("div", "mg-graph");
  const side = element("div", "mg-side");
  const header = element("div", "minigrad-step");
  const text = element("pre", "minigrad-step-text");
  side.append(header, text);
  stage.append(pane);
  body.append(stage, side);
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
  const zoomTo = (value) => {
    if (!svg) return; // the pane shows why there is no picture
    zoom = value;
    svg.style.width = `${width * zoom}px`;
    svg.style.height = `${height * zoom}px`;
    inSight();
  };
  // (never smaller than 0.25, or than the whole-graph view when that is smaller still)
  const scale = (factor) => zoomTo(Math.max(Math.min(0.25, zoom), Math.min(2, zoom * factor)));
  // the whole graph in the pane (as small as it takes), or back to full size
  const fit = () => {
    const room = 2 * paddingOf(pane);
    if (pane.clientWidth <= room || pane.clientHeight <= room) return; // (not on screen)
    const whole = Math.max(
      0.05,
      Math.min((pane.clientWidth - room) / width, (pane.clientHeight - room) / height, 1),
    );
    zoomTo(zoom === whole ? 1 : whole);
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
  );
  if (svg) {
    bar.append(
      button("−", "zoom out", () => scale(1 / 1.25)),
      button("+", "zoom in", () => scale(1.25)),
      button("⤢", "whole graph / full size", fit),
    );
  }

  // Scroll the graph pane (never the page) so that the current box is in sight.
  const follow = () => {
    const box = pane.querySelector("g.node.mg-current");
    if (!box) return;
    const inner = box.getBoundingClientRect();
    const outer = pane.getBoundingClientRect();
    const margin = 24;
    // the part of the pane above the map, where the box fits there; else the whole pane
    const mapTop = overview.top();
    const above = mapTop < outer.bottom && inner.height + 2 * margin <= mapTop - outer.top;
    const bottom = above ? mapTop : outer.bottom;
    if (
      inner.top < outer.top + margin ||
      inner.bottom > bottom - margin ||
      inner.left < outer.left + margin ||
      inner.right > outer.right - margin
    ) {
      pane.scrollTo({
        top: pane.scrollTop + inner.top - outer.top - (bottom - outer.top - inner.height) / 2,
        left: pane.scrollLeft + inner.left - outer.left - (outer.width - inner.width) / 2,
      });
    }
  };

  const overview = makeOverview(svg, pane, width, height);
  stage.append(overview.element);
  pane.addEventListener("scroll", overview.update);
  // the current box in view (above the map, if shown), and the map up to date
  const inSight = () => {
    overview.update();
    follow();
    overview.update();
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
    inSight();
  };

  model.on("change:index", () => show(model.get("index")));
  show(model.get("index"));
  // once the view is on the page and has a size, and again whenever the pane's size changes
  // (an output shown after being collapsed, a Stepper in a tab that opens later)
  const resized = new ResizeObserver(() => inSight());
  resized.observe(pane);
  return () => {
    clearInterval(timer);
    resized.disconnect();
  };
}

export default { render };
