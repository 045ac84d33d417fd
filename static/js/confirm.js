// A form marked data-confirm asks before it is sent: for what cannot be taken back with a
// click (a deactivation, a password reset). Cancelling sends nothing.
document.addEventListener('submit', (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
