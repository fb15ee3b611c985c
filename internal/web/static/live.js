// The live room: one WebSocket for everything that happens in the room, and one
// fetch to buy. Reconnects resume from the last sequence number seen, so nothing is
// shown twice and nothing sent while the connection was down is lost.
(() => {
  const room = document.getElementById('room');
  if (!room) return;
  const sid = room.dataset.session;
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
  const $ = (id) => document.getElementById(id);
  let lastSeq = 0, ws = null, backoff = 500, pinned = null, pendingLikes = 0;
  // flash is the room's flash sale as last announced; buying says when the buy sheet
  // is for it (the sale's SKU, its limit, its id) rather than for the pinned product.
  let flash = null, buying = null;

  function connect() {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const since = lastSeq ? '?since=' + lastSeq : '';
    ws = new WebSocket(`${proto}://${location.host}/api/v1/live/sessions/${sid}/ws${since}`);
    ws.onopen = () => { backoff = 500; $('conn').textContent = 'connected'; };
    ws.onmessage = (ev) => {
      const f = JSON.parse(ev.data);
      if (f.seq) { if (f.seq <= lastSeq) return; lastSeq = f.seq; }
      handle(f);
    };
    ws.onclose = (ev) => {
      $('conn').textContent = ev.reason ? `disconnected (${ev.reason}), reconnecting…` : 'reconnecting…';
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 10000);
    };
  }

  function handle(f) {
    const d = f.data;
    switch (f.type) {
      case 'hello':
        $('viewers').textContent = d.viewers; $('likes').textContent = d.likes;
        setStatus(d.status);
        if (d.pinned) showPinned(d.pinned);
        if (d.flash) showFlash(d.flash);
        showComment(d.comment);
        if (d.video) showVideo(d.video);
        break;
      case 'stats':
        $('viewers').textContent = d.viewers; $('likes').textContent = d.likes;
        break;
      case 'chat': addLine(d.user, d.text, '', d.account_id); break;
      case 'purchase': addLine(d.user, `just bought ${d.quantity} × ${d.title}`, 'buy'); break;
      case 'pinned': showPinned(d); break;
      case 'status': setStatus(d.status); break;
      case 'notice': notice(d.text); break;
      case 'flash': showFlash(d); break;
      case 'comment': showComment(d); break;
      case 'video': showVideo(d); break;
      case 'alert': notice('Host prompt: ' + d.text); break;
    }
  }

  // The room's video: HLS from the media server, through hls.js (installed from npm,
  // see docs/VIDEO.md) or natively (Safari).
  let hls = null;
  function showVideo(v) {
    const el = $('video');
    if (hls) { hls.destroy(); hls = null; }
    if (!v || v.status !== 'live' || !v.playback_url) { el.hidden = true; el.removeAttribute('src'); return; }
    el.hidden = false;
    // hls.js first where Media Source Extensions exist: some browsers answer "maybe"
    // for HLS and then do not play it.
    if (window.Hls && window.Hls.isSupported()) {
      hls = new window.Hls({ liveSyncDurationCount: 2 });
      hls.loadSource(v.playback_url);
      hls.attachMedia(el);
    } else if (el.canPlayType('application/vnd.apple.mpegurl')) {
      el.src = v.playback_url;
    } else {
      el.hidden = true;
      notice('This browser cannot play the live video.');
      return;
    }
    el.play().catch(() => {});
  }

  // The host's stream key.
  async function streamInfo(rotate) {
    const res = await fetch(`/api/v1/live/sessions/${sid}/stream`, { method: rotate ? 'POST' : 'GET', headers: { 'X-CSRF-Token': csrf } });
    const out = await res.json();
    $('stream-info').hidden = false;
    $('stream-info').textContent = res.ok
      ? `Ingest URL: ${out.ingest_url}\nStream key: ${out.stream_key || '(hidden: press New key to see a fresh one)'}\nVideo: ${out.video_status}`
      : out.message;
  }
  if ($('stream-show')) {
    $('stream-show').addEventListener('click', () => streamInfo(false));
    $('stream-rotate').addEventListener('click', () => streamInfo(true));
  }

  function showComment(c) {
    $('pinned-comment').hidden = !c;
    $('pinned-comment-text').textContent = c ? c.text : '';
  }

  // The host's moderation: pin a comment, slow the chat down.
  async function moderate(body) {
    const res = await fetch(`/api/v1/live/sessions/${sid}/moderation`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(body) });
    const out = await res.json();
    const msg = res.ok ? 'Done.' : out.message + (out.field ? ` (${out.field})` : '');
    if ($('mod-result')) $('mod-result').textContent = msg; else notice(msg);
  }
  if ($('mod-pin')) {
    $('mod-pin').addEventListener('click', () => moderate({ action: 'pin_comment', text: $('mod-comment').value }));
    $('mod-unpin').addEventListener('click', () => moderate({ action: 'unpin_comment' }));
    $('mod-slow').addEventListener('change', () => moderate({ action: 'slow_mode', seconds: Number($('mod-slow').value) }));
  }

  // The flash banner: price, units left and a clock that counts down to the start,
  // then to the end, ticking locally between frames.
  function showFlash(f) {
    flash = f;
    $('flash').hidden = f.phase === 'ended';
    $('flash-title').textContent = f.title;
    $('flash-price').textContent = f.deal_display;
    $('flash-was').textContent = f.display;
    $('flash-left').textContent = f.phase === 'sold_out' || f.left === 0 ? 'SOLD OUT' : `${f.left} of ${f.quantity} left`;
    $('flash-btn').disabled = f.phase !== 'open' || f.left === 0;
    tickFlash();
  }
  function tickFlash() {
    if (!flash) return;
    const now = Date.now(), starts = Date.parse(flash.starts_at), ends = Date.parse(flash.ends_at);
    const mmss = (ms) => { const s = Math.max(0, Math.ceil(ms / 1000)); return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`; };
    if (now < starts) {
      $('flash-clock').textContent = 'starts in ' + mmss(starts - now);
      $('flash-btn').disabled = true;
    } else if (now < ends) {
      $('flash-clock').textContent = 'ends in ' + mmss(ends - now);
      if (flash.phase === 'countdown') { flash.phase = 'open'; $('flash-btn').disabled = flash.left === 0; }
    } else {
      $('flash-clock').textContent = 'ended';
      $('flash-btn').disabled = true;
    }
  }
  setInterval(tickFlash, 250);

  const isModerator = room.dataset.moderator === 'true';
  function addLine(user, text, cls, accountID) {
    const line = document.createElement('div');
    if (cls) line.className = cls;
    const b = document.createElement('b');
    b.textContent = user + ' ';
    line.append(b, document.createTextNode(text));
    // Moderators act on a message's writer from the message itself.
    if (isModerator && accountID) {
      for (const [action, label] of [['mute', 'mute'], ['kick', 'remove']]) {
        const btn = document.createElement('button');
        btn.type = 'button';
        btn.className = 'mod-act';
        btn.dataset.action = action;
        btn.textContent = label;
        btn.addEventListener('click', () => moderate({ action, account_id: accountID }));
        line.append(' ', btn);
      }
    }
    const log = $('chatlog');
    log.append(line);
    while (log.children.length > 40) log.firstChild.remove();
  }

  function setStatus(status) {
    const el = $('status');
    el.textContent = status === 'live' ? 'LIVE' : status;
    el.classList.toggle('live', status === 'live');
    $('screen').classList.toggle('is-ended', status === 'ended');
  }

  function showPinned(p) {
    pinned = p;
    $('pinned').hidden = false;
    $('pinned-title').textContent = p.title;
    $('pinned-initial').textContent = (p.title || '?').charAt(0).toUpperCase();
    $('pinned-price').textContent = p.display;
    $('pinned-stock').textContent = p.stock > 0 ? `${p.stock} left` : 'sold out';
    $('buy-btn').disabled = p.stock <= 0;
    if ($('sheet-title')) $('sheet-title').textContent = p.title;
  }

  function notice(text) {
    $('notice').textContent = text;
    clearTimeout(notice.t);
    notice.t = setTimeout(() => { $('notice').textContent = ''; }, 4000);
  }

  $('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('chat-input');
    const text = input.value.trim();
    if (!text || !ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: 'chat', text }));
    input.value = '';
  });

  // Likes are batched: one message a few times a second carries every tap since.
  $('like-btn').addEventListener('click', () => {
    pendingLikes++;
    const h = document.createElement('span');
    h.textContent = '♥';
    h.style.color = ['#fe2c55', '#25f4ee', '#fff'][pendingLikes % 3];
    $('hearts').append(h);
    setTimeout(() => h.remove(), 1700);
  });
  setInterval(() => {
    if (pendingLikes && ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: 'like', count: pendingLikes }));
      pendingLikes = 0;
    }
  }, 300);

  // Buying: the address is remembered on this device, so the next buy is one tap.
  const saved = JSON.parse(localStorage.getItem('liveshop.address') || '{}');
  for (const k of ['line1', 'city', 'postal']) if (saved[k] && $('addr-' + k)) $('addr-' + k).value = saved[k];
  function openSheet(what) {
    buying = what;
    $('buy-sheet').hidden = false;
    if ($('sheet-title')) $('sheet-title').textContent = what.flash ? `${what.title} at the flash price ${what.price}` : what.title;
    if ($('buy-qty')) { $('buy-qty').max = what.flash ? what.limit : 999; $('buy-qty').value = 1; }
    const first = $('addr-line1') && !$('addr-line1').value ? $('addr-line1') : $('buy-confirm');
    if (first) first.focus();
  }
  $('buy-btn').addEventListener('click', () => {
    if (pinned) openSheet({ sku: pinned.sku_id, title: pinned.title });
  });
  $('flash-btn').addEventListener('click', () => {
    if (flash) openSheet({ sku: flash.sku_id, title: flash.title, price: flash.deal_display, flash: flash.id, limit: flash.per_buyer_limit });
  });
  const confirm = $('buy-confirm');
  if (confirm) confirm.addEventListener('click', async () => {
    if (!buying) return;
    const address = { name: $('addr-name').value, line1: $('addr-line1').value, city: $('addr-city').value,
      postal_code: $('addr-postal').value, country: room.dataset.market };
    localStorage.setItem('liveshop.address', JSON.stringify({ line1: address.line1, city: address.city, postal: address.postal_code }));
    confirm.disabled = true;
    $('buy-result').textContent = 'Placing your order…';
    try {
      const res = await fetch(`/api/v1/live/sessions/${sid}/orders`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ sku_id: buying.sku, quantity: Number($('buy-qty').value), idempotency_key: crypto.randomUUID(),
          shipping_address: address, payment_method: $('buy-method').value, flash_sale_id: buying.flash || undefined }),
      });
      const body = await res.json();
      if (res.ok) {
        const o = body.orders[0];
        $('buy-result').innerHTML = '';
        const a = document.createElement('a');
        a.href = '/orders/' + o.id; a.id = 'order-link';
        a.textContent = body.status === 'pending' ? 'Got it ✓ your order is placed and being paid; view it' : 'Order placed ✓ view it';
        $('buy-result').append(a);
      } else {
        $('buy-result').textContent = body.message + (body.field ? ` (${body.field})` : '');
      }
    } catch (err) {
      $('buy-result').textContent = 'Network trouble; your order may not be placed. Check My orders before trying again.';
    } finally {
      confirm.disabled = false;
    }
  });

  connect();
  // Copy the room's link to share it (an event page before it starts, the room after).
  const share = $('share-live');
  if (share) share.addEventListener('click', async () => {
    const link = location.origin + share.dataset.link;
    try { await navigator.clipboard.writeText(link); $('share-result').textContent = 'Link copied.'; }
    catch { $('share-result').textContent = link; }
  });
})();
