// Copy and share buttons: [data-copy=ID] copies the text of element ID and shows the
// [data-copied-for=ID] note; [data-share=ID] opens the phone's share sheet, shown only
// where the Web Share API exists.

function showCopied(id) {
  const note = document.querySelector(`[data-copied-for="${id}"]`);
  if (!note) return;
  note.hidden = false;
  clearTimeout(note.hideTimer);
  note.hideTimer = setTimeout(() => { note.hidden = true; }, 4000);
}

async function copy(id) {
  const field = document.getElementById(id);
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    // No Clipboard API (plain http, an old browser) or refused: select the text so that one
    // more tap on "Copy" in the phone's menu does it, and try the legacy command.
    field.focus();
    field.select();
    if (!document.execCommand || !document.execCommand("copy")) return;
  }
  showCopied(id);
}

for (const button of document.querySelectorAll("[data-copy]")) {
  button.addEventListener("click", () => copy(button.dataset.copy));
}

for (const button of document.querySelectorAll("[data-share]")) {
  if (!navigator.share) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const url = document.getElementById(button.dataset.share).value;
    try {
      await navigator.share({ title: button.dataset.shareTitle, url });
    } catch {
      // Cancelled by the user: nothing to do.
    }
  });
}
