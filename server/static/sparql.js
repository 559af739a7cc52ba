// The /sparql editor: YASGUI pointed at this site's endpoint, with the canned queries as example tabs.
// Configuration comes from the JSON block #sparql-config (no inline script, for a strict CSP).
(function () {
  "use strict";

  function readConfig() {
    return JSON.parse(document.getElementById("sparql-config").textContent);
  }

  function createEditor(config) {
    var endpoint = new URL(config.endpoint, window.location.href).href;
    return new Yasgui(document.getElementById("yasgui"), {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      persistenceId: null, // every visit starts from the current examples
      populateFromUrl: false,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      yasqe: { value: config.defaultQuery, autocompleters: ["prefixes", "variables"], prefixCcApi: null },
    });
  }

  function addExamples(yasgui, config) {
    var first = yasgui.getTab();
    if (first) { first.setName("查询 Query"); }
    config.examples.forEach(function (example) {
      yasgui.addTab(false, { name: example.name, yasqe: { value: example.query } });
    });
  }

  var config = readConfig();
  var yasgui = createEditor(config);
  addExamples(yasgui, config);
  window.gaoxinYasgui = yasgui; // for the console and the browser tests
})();
