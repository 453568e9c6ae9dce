// MathJax reads only the equations pymdownx.arithmatex marked (class "arithmatex"), written as \( \) and \[ \].
window.MathJax = {
  tex: {inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]], processEscapes: true, processEnvironments: true},
  options: {ignoreHtmlClass: ".*", processHtmlClass: "arithmatex"},
};
