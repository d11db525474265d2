// Starts govuk-frontend's enhancements. Every page works without it.
//
// govuk-frontend's page template adds these body classes with an inline script;
// our content security policy allows none, so this external module adds them.
// Only browsers that run ES modules get here, which is the support test the
// inline snippet makes.
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
