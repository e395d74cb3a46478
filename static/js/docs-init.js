// Starts Swagger UI on /docs from our own copy (no CDN, no inline script: the page's CSP forbids both).
const root = document.getElementById("swagger-ui");
window.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis],
});
