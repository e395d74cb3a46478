// Placeholder entry point until the explorer page lands: signals the first render to the browser tests.
document.body.dataset.ready = "true";
