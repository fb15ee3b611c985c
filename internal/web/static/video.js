// Shoppable videos: the vertical feed's player (autoplay the video in view, count a
// view on first play and the time watched when the viewer moves on), likes, shares,
// comments, and the studio's upload with a progress bar.
(() => {
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
  const post = (url, body) => fetch(url, {
    method: 'POST', keepalive: true, credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const toLogin = () => { location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search); };
  const errorText = async (res) => {
    try { const e = await res.json(); return e.message || res.statusText; } catch { return res.statusText; }
  };

  const cards = [...document.querySelectorAll('.short')];
  for (const card of cards) {
    const id = card.dataset.id;
    const video = card.querySelector('video');
    const notice = card.querySelector('.v-notice');
    const say = (msg) => { if (notice) notice.textContent = msg; };
    if (video) {
      let viewed = false, watched = 0, last = null;
      video.addEventListener('playing', () => {
        if (!viewed) { viewed = true; post(`/api/v1/videos/${id}/view`); }
        last = video.currentTime;
      });
      video.addEventListener('timeupdate', () => {
        const d = video.currentTime - (last ?? video.currentTime);
        if (d > 0 && d < 2) watched += d; // a loop back to 0 or a seek is not watching
        last = video.currentTime;
      });
      const flush = () => {
        if (watched >= 0.5) { post(`/api/v1/videos/${id}/watch`, { watched_ms: Math.round(watched * 1000) }); watched = 0; }
      };
      video.addEventListener('pause', flush);
      addEventListener('pagehide', flush);
      video.addEventListener('click', () => (video.paused ? video.play() : video.pause()));
    }
    const sound = card.querySelector('.v-sound');
    if (sound && video) sound.addEventListener('click', () => {
      video.muted = !video.muted;
      sound.textContent = video.muted ? '♪' : '♫';
      sound.classList.toggle('on', !video.muted);
      sound.setAttribute('aria-label', video.muted ? 'Turn sound on' : 'Turn sound off');
    });
    const like = card.querySelector('.v-like');
    if (like) like.addEventListener('click', async () => {
      const on = like.classList.contains('on');
      const res = await post(`/api/v1/videos/${id}/${on ? 'unlike' : 'like'}`);
      if (res.status === 401) return toLogin();
      if (!res.ok) return say(await errorText(res));
      const out = await res.json();
      like.classList.toggle('on', out.liked);
      like.setAttribute('aria-pressed', String(out.liked));
      like.querySelector('.v-likes').textContent = out.likes;
    });
    const share = card.querySelector('.v-share');
    if (share) share.addEventListener('click', async () => {
      const res = await post(`/api/v1/videos/${id}/share`);
      if (!res.ok) return say(await errorText(res));
      const out = await res.json();
      const n = share.querySelector('.v-shares');
      n.textContent = Number(n.textContent) + 1;
      const link = location.origin + out.link;
      try { await navigator.clipboard.writeText(link); say('Link copied: ' + link); } catch { say('Share this link: ' + link); }
      openPanel();
    });
    const panel = card.querySelector('.short-panel');
    const list = card.querySelector('.v-comment-list');
    const render = (comments) => {
      list.replaceChildren(...comments.map((c) => {
        const li = document.createElement('li');
        const who = document.createElement('b');
        who.textContent = c.author_name + ' ';
        li.append(who, document.createTextNode(c.body));
        if (c.state === 'held') {
          const tag = document.createElement('span');
          tag.className = 'muted';
          tag.textContent = ' (held for review)';
          li.append(tag);
        }
        return li;
      }));
      if (!comments.length) list.innerHTML = '<li class="muted">No comments yet.</li>';
    };
    const load = async () => {
      const res = await fetch(`/api/v1/videos/${id}/comments`, { credentials: 'same-origin' });
      if (res.ok) render((await res.json()).comments);
    };
    function openPanel() { if (panel.hidden) { panel.hidden = false; load(); } }
    const toggle = card.querySelector('.v-comments');
    if (toggle) toggle.addEventListener('click', () => (panel.hidden ? openPanel() : (panel.hidden = true)));
    const close = card.querySelector('.v-close');
    if (close) close.addEventListener('click', () => { panel.hidden = true; });
    const form = card.querySelector('.v-comment-form');
    if (form) form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const res = await post(`/api/v1/videos/${id}/comments`, { body: form.body.value });
      if (res.status === 401) return toLogin();
      if (!res.ok) return say(await errorText(res));
      const c = await res.json();
      form.reset();
      say(c.state === 'held' ? 'Your comment is held for the author to review.' : '');
      if (c.state === 'visible') {
        const n = card.querySelector('.v-comment-count');
        n.textContent = Number(n.textContent) + 1;
      }
      load();
    });
    if (location.pathname === `/videos/${id}`) openPanel();
  }

  // Play the video in view, pause the rest.
  if ('IntersectionObserver' in window) {
    const io = new IntersectionObserver((entries) => {
      for (const en of entries) {
        const v = en.target.querySelector('video');
        if (!v) continue;
        if (en.isIntersecting && en.intersectionRatio >= 0.6) v.play().catch(() => {});
        else if (!v.paused) v.pause();
      }
    }, { threshold: [0, 0.6, 1] });
    cards.forEach((c) => io.observe(c));
  }

  // The studio's form: the products offered follow "post as"; the upload shows progress.
  const form = document.getElementById('post-video');
  if (!form) return;
  const as = form.querySelector('#as');
  const pick = () => {
    for (const group of form.querySelectorAll('.anchors-pick [data-for]')) {
      const on = group.dataset.for === as.value;
      group.hidden = !on;
      group.querySelectorAll('input').forEach((i) => { i.disabled = !on; });
    }
  };
  as.addEventListener('change', pick);
  pick();
  const bar = document.getElementById('upload-progress');
  const status = document.getElementById('upload-status');
  const mb = (n) => (n / 1048576).toFixed(1);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.upload.addEventListener('progress', (ev) => {
      if (!ev.lengthComputable) return;
      bar.hidden = false;
      bar.firstElementChild.style.width = Math.round((ev.loaded / ev.total) * 100) + '%';
      status.textContent = `Uploading ${Math.round((ev.loaded / ev.total) * 100)}% (${mb(ev.loaded)} of ${mb(ev.total)} MB)`;
    });
    xhr.addEventListener('load', () => {
      let out = {};
      try { out = JSON.parse(xhr.responseText); } catch {}
      if (xhr.status === 201) {
        status.textContent = 'Posted. It is processing and will be published in a few seconds.';
        setTimeout(() => location.reload(), 800);
        return;
      }
      bar.hidden = true;
      status.textContent = (out.message || 'The upload failed') + (out.field ? ` (${out.field})` : '');
    });
    xhr.addEventListener('error', () => { status.textContent = 'The upload was interrupted; check your connection and try again.'; });
    status.textContent = 'Posting…';
    xhr.send(new FormData(form));
  });
})();
