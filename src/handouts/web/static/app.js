// The form's three buttons, without leaving the page: Preview shows the pages, Print
// says what CUPS did, Download saves the PDF. Errors come back as one sentence and go
// into the alert region, which screen readers announce.
"use strict";

(() => {
  const form = document.getElementById("handout-form");
  const error = document.getElementById("error");
  const status = document.getElementById("status");
  const preview = document.getElementById("preview");
  const pages = document.getElementById("pages");
  const note = document.getElementById("preview-note");
  const procedure = document.getElementById("procedure");
  const provider = document.getElementById("provider");
  const working = { preview: "Building the preview…", print: "Sending the handout to the printer…", download: "Building the PDF…" };
  let busy = false;
  let previewed = false;

  function say(region, ...lines) {
    region.replaceChildren(...lines.filter(Boolean).map((line) => {
      const p = document.createElement("p");
      p.textContent = line;
      return p;
    }));
  }

  // Providers who do not perform the chosen procedure cannot be chosen with it.
  function matchProviders() {
    for (const option of provider.options) {
      if (!option.value) continue;
      option.disabled = !(option.dataset.procedures || "").split(" ").includes(procedure.value);
    }
    if (provider.selectedOptions[0] && provider.selectedOptions[0].disabled) provider.value = "";
  }
  procedure.addEventListener("change", matchProviders);
  matchProviders();

  // A preview of other choices than the form's now is marked as such.
  const printOnly = new Set(["printer", "copies", "duplex"]);
  form.addEventListener("input", (event) => {
    if (!previewed || printOnly.has(event.target.name)) return;
    preview.classList.add("stale");
    note.textContent = "The choices have changed since this preview: press Preview again to see them.";
  });

  function showPages(answer) {
    const images = answer.pages.map((src, i) => {
      const img = document.createElement("img");
      img.src = src;
      img.alt = `Page ${i + 1} of ${answer.count} of the handout`;
      return img;
    });
    pages.replaceChildren(...images);
    preview.classList.remove("stale");
    previewed = true;
    const count = answer.count === 1 ? "1 page" : `${answer.count} pages`;
    note.textContent = `${count}, as they will print (${answer.paper === "a4" ? "A4" : "Letter"}).`;
    say(status, `Preview ready: ${count}.`);
    // One column (a tablet): bring the pages into view; the buttons stay on screen.
    if (preview.getBoundingClientRect().top > window.innerHeight * 0.6) {
      preview.scrollIntoView({ block: "start" });
    }
  }

  async function download(response) {
    const disposition = response.headers.get("Content-Disposition") || "";
    const match = /filename="([^"]+)"/.exec(disposition);
    const name = match ? match[1] : "handout.pdf";
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    say(status, `Downloaded ${name}.`);
  }

  form.addEventListener("submit", async (event) => {
    const button = event.submitter;
    if (!button || !button.dataset.action) return;
    event.preventDefault();
    if (busy) return;
    const action = button.dataset.action;
    busy = true;
    form.setAttribute("aria-busy", "true");
    say(error);
    say(status, working[action]);
    try {
      const response = await fetch(button.formAction, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!response.ok) {
        const text = (await response.text()).trim();
        say(status);
        say(error, text || `The server answered with status ${response.status}.`);
        return;
      }
      if (action === "preview") {
        showPages(await response.json());
      } else if (action === "print") {
        const answer = await response.json();
        say(status, answer.message, ...answer.notes);
      } else {
        await download(response);
      }
    } catch (e) {
      say(status);
      say(error, "The handouts server did not answer; check that it is still running, then try again.");
    } finally {
      busy = false;
      form.removeAttribute("aria-busy");
    }
  });
})();
