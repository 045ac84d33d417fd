// A form marked data-confirm asks before it is sent: for what cannot be taken back with a
// click (a deactivation, a password reset, a revocation). Cancelling sends nothing and keeps
// what was typed. A form missing a required field is sent without asking, for the service
// to name the field: there is nothing to take back yet.
document.addEventListener('submit', (event) => {
  const form = event.target;
  const question = form.dataset.confirm;
  if (question && form.checkValidity() && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
