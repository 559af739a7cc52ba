// Sort a results table by a column on a click on its header (numbers by value, text by the Chinese collation).
"use strict";
document.querySelectorAll("table.sortable").forEach((table) => {
  table.querySelectorAll("thead th").forEach((th, column) => {
    th.querySelector("button.sort").addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("thead th").forEach((other) => other.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = table.tBodies[0];
      const key = (row) => { const cell = row.cells[column]; return cell.dataset.sort ?? cell.textContent.trim(); };
      const numeric = th.classList.contains("number");
      const collator = new Intl.Collator("zh-Hans-CN", { numeric: true });
      const compare = (a, b) => numeric ? (parseFloat(key(a)) || 0) - (parseFloat(key(b)) || 0) : collator.compare(key(a), key(b));
      [...body.rows].sort((a, b) => (ascending ? 1 : -1) * compare(a, b)).forEach((row) => body.appendChild(row));
    });
  });
});
