// County picker: a plain text input (a code, or a name the server resolves) becomes an ARIA 1.2
// combobox that lists the counties whose name or code matches what is typed. Picking one puts
// its code in the input and its full name under it; the form still posts the code alone.
(function () {
  "use strict";

  const DELAY_MS = 150; // one request per pause in typing, not one per key
  const LIMIT = 10;

  function enhance(input) {
    const hint = document.getElementById("h-" + input.id.slice(2));
    const list = document.createElement("ul");
    list.id = input.id + "-options";
    list.className = "county-options";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.labels.length ? input.labels[0].textContent.replace("*", "") : "");
    list.hidden = true;
    const box = document.createElement("div");
    box.className = "county-box"; // the list hangs below the input, over what follows
    input.before(box);
    box.append(input, list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    let timer = null;
    let asked = 0; // answers to older requests are dropped
    let active = -1;

    function options() {
      return Array.from(list.querySelectorAll("[role=option]"));
    }

    function close() {
      clearTimeout(timer); // a search still waiting for the pause in typing is not wanted now,
      asked += 1; // nor an answer still on its way: either would open the list again
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(next) {
      const all = options();
      if (!all.length) return;
      active = (next + all.length) % all.length;
      all.forEach(function (option, i) { option.setAttribute("aria-selected", String(i === active)); });
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    function choose(option) {
      input.value = option.dataset.code;
      if (hint) hint.textContent = option.dataset.name;
      input.removeAttribute("aria-invalid");
      close();
    }

    function show(divisions) {
      list.replaceChildren();
      divisions.forEach(function (division, i) {
        const option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.code = division.code;
        option.dataset.name = division.full_name;
        const name = document.createElement("span");
        name.textContent = division.full_name;
        const code = document.createElement("span");
        code.className = "county-code";
        code.textContent = division.code;
        option.append(name, code);
        list.append(option);
      });
      if (!divisions.length) {
        const none = document.createElement("li");
        none.className = "county-none";
        none.textContent = input.dataset.noMatch;
        list.append(none);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    function search() {
      const query = input.value.trim();
      if (!query) {
        close();
        return;
      }
      const ticket = ++asked;
      const url = input.dataset.countySearch + "?limit=" + LIMIT + "&q=" + encodeURIComponent(query);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { divisions: [] }; })
        .then(function (body) { if (ticket === asked) show(body.divisions); })
        .catch(close); // offline: the typed code or name is still posted as it is
    }

    input.addEventListener("input", function () {
      if (hint) hint.textContent = input.dataset.hint; // the chosen name no longer holds
      clearTimeout(timer);
      timer = setTimeout(search, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) {
          search();
        } else {
          highlight(active + (event.key === "ArrowDown" ? 1 : -1));
        }
        event.preventDefault();
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        choose(options()[active]);
        event.preventDefault(); // picking is not submitting
      } else if (event.key === "Escape" && !list.hidden) {
        close();
        event.preventDefault();
      }
    });
    // mousedown, not click: it comes before the input's blur closes the list.
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      const option = event.target.closest("[role=option]");
      if (option) choose(option);
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll("input[data-county-search]").forEach(enhance);
})();
