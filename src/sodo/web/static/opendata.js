// The open-data catalogue filters as you type (diacritics ignored, as the server does); on a
// static copy of the pages, where no server answers the form, this is the only filter.
(function () {
  const form = document.getElementById('od-filter');
  if (!form) return;
  const rows = [...document.querySelectorAll('#od-datasets tbody tr')];
  const count = document.getElementById('od-count');
  const none = document.getElementById('od-none');
  const lang = document.documentElement.lang === 'en' ? 'en' : 'vi';
  const fold = (s) => s.replace(/đ/g, 'd').replace(/Đ/g, 'D').normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/\s+/g, ' ').trim();
  function apply() {
    const q = fold(form.q.value || '');
    const theme = form.theme.value;
    const level = form.level.value;
    let shown = 0;
    for (const row of rows) {
      const ok = (!q || row.dataset.search.includes(q)) && (!theme || row.dataset.theme === theme)
        && (!level || row.dataset.levels.split(' ').includes(level));
      row.hidden = !ok;
      if (ok) shown += 1;
    }
    count.textContent = count.dataset['template' + (lang === 'en' ? 'En' : 'Vi')]
      .replace('{shown}', shown).replace('{total}', count.dataset.total);
    none.hidden = shown > 0;
  }
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  if (form.hasAttribute('data-static')) {
    form.addEventListener('submit', (event) => { event.preventDefault(); apply(); });
  }
})();
