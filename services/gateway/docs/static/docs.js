// Swagger UI over the suite's merged document. No validator badge: it would ask
// validator.swagger.io, and the reference must work with nothing but the gateway.
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: document.getElementById("swagger-ui").dataset.document,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    layout: "BaseLayout",
  });
});
