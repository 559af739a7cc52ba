// The /sparql editor: YASGUI pointed at this site's endpoint.
// The first tab holds the query of the URL (#query=..., as "open in the editor" links and YASGUI's share links write it),
// else the query of a short link (?_q=ID), else the default query. The canned queries are a searchable list beside it;
// result IRIs of this graph link to their pages here. Configuration comes from the JSON block #sparql-config
// (no inline script, for a strict CSP).
(function () {
  "use strict";

  function readConfig() {
    return JSON.parse(document.getElementById("sparql-config").textContent);
  }

  function shortLink(config) {
    // YASGUI's share dialog calls this with the long link; the server keeps the query and answers /sparql?_q=ID.
    return function (yasqe) {
      var body = new URLSearchParams({ query: yasqe.getValue() });
      return fetch(config.shortLinks, { method: "POST", body: body }).then(function (answer) {
        if (!answer.ok) { return answer.text().then(function (text) { throw new Error(text); }); }
        return answer.json().then(function (link) { return link.url; });
      });
    };
  }

  function createEditor(config) {
    var endpoint = new URL(config.endpoint, window.location.href).href;
    var fromUrl = /(^#|&)query=/.test(window.location.hash);
    return new Yasgui(document.getElementById("yasgui"), {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      persistenceId: null, // every visit starts from the URL or the default query, not from an old session
      populateFromUrl: fromUrl,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      yasqe: {
        value: config.sharedQuery || config.defaultQuery, autocompleters: ["prefixes", "variables"], prefixCcApi: null,
        createShortLink: shortLink(config),
      },
    });
  }

  function openExample(yasgui, example) {
    var tab = yasgui.addTab(true, { name: example.name, yasqe: { value: example.query } });
    tab.show();
  }

  function wireExamples(yasgui, config) {
    var filter = document.getElementById("example-filter");
    var items = Array.prototype.slice.call(document.querySelectorAll("#examples li"));
    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      items.forEach(function (item) {
        var text = item.textContent.toLowerCase();
        item.hidden = !words.every(function (word) { return text.indexOf(word) >= 0; });
      });
    });
    items.forEach(function (item, index) {
      item.querySelector("button").addEventListener("click", function () { openExample(yasgui, config.examples[index]); });
    });
  }

  function linkLocally(config) {
    // YASR links an IRI to itself; an IRI of this graph has its page on this server.
    var root = document.getElementById("yasgui");
    function rewrite() {
      root.querySelectorAll(".yasr a[href^='" + config.pages + "']").forEach(function (link) {
        link.setAttribute("href", "/id/" + link.getAttribute("href").slice(config.pages.length));
        link.removeAttribute("target");
      });
    }
    new MutationObserver(rewrite).observe(root, { childList: true, subtree: true });
  }

  var config = readConfig();
  var yasgui = createEditor(config);
  var first = yasgui.getTab();
  if (first) { first.setName("查询 Query"); }
  wireExamples(yasgui, config);
  linkLocally(config);
  window.gaoxinYasgui = yasgui; // for the console and the browser tests
})();
