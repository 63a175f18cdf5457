// Starts Swagger UI on the spec this service serves. "Try it out" sends
// requests to the origin serving this page: the spec's servers are put
// behind it, so the reference works wherever the service runs.
/* global SwaggerUIBundle */
"use strict";
(function () {
	var origin = window.location.origin;
	var ui = SwaggerUIBundle({
		url: origin + "/openapi.yaml",
		dom_id: "#swagger-ui",
		deepLinking: true,
		// No badge fetched from validator.swagger.io: nothing leaves this origin.
		validatorUrl: null,
		tryItOutEnabled: false,
		persistAuthorization: false,
		presets: [SwaggerUIBundle.presets.apis],
		layout: "BaseLayout",
		onComplete: function () {
			var spec = ui.specSelectors.specJson().toJS();
			var others = (spec.servers || []).filter(function (s) {
				return s.url !== origin;
			});
			spec.servers = [{ url: origin, description: "This service (the origin serving this page)" }]
			    .concat(others);
			ui.specActions.updateJsonSpec(spec);
		},
	});
	window.ui = ui;
})();
