// Bulk import progress: polls the job while it runs, moves the bar, and reloads the
// page when it is done so the server renders the row errors.
(() => {
  const box = document.getElementById('import-progress');
  if (!box || box.dataset.status !== 'running') return;
  const bar = box.querySelector('progress');
  const done = document.getElementById('import-done');
  const tick = async () => {
    try {
      const res = await fetch('/seller/imports/' + box.dataset.job, { headers: { Accept: 'application/json' } });
      if (res.ok) {
        const job = await res.json();
        bar.max = job.total;
        bar.value = job.done;
        done.textContent = job.done + ' of ' + job.total + ' rows';
        if (job.status !== 'running') {
          location.reload();
          return;
        }
      }
    } catch (e) { /* try again */ }
    setTimeout(tick, 300);
  };
  tick();
})();
