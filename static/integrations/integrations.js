// Settings → Developer API / Channels and integrations: copy a shown-once secret; confirm destructive forms.
document.querySelectorAll("[data-copy-target]").forEach((button) => {
  button.addEventListener("click", async () => {
    const target = document.getElementById(button.dataset.copyTarget);
    if (!target || !navigator.clipboard) return;
    try {
      await navigator.clipboard.writeText(target.textContent.trim());
      button.textContent = button.dataset.copiedLabel || button.textContent;
    } catch (err) {
      // Clipboard refused (insecure context): the secret stays selectable on the page.
      window.getSelection().selectAllChildren(target);
    }
  });
});
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});
