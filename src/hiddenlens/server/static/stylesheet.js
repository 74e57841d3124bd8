// A panel's own stylesheet, linked once from this server (the CSP allows 'self' styles): a
// new panel brings its CSS without editing style.css.
export function useStylesheet(name) {
  const href = `/static/${name}`;
  if (document.querySelector(`link[href="${href}"]`)) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  document.head.append(link);
}
