'use strict';
// The VidSearch search page: plain JavaScript over the JSON API (see /api/openapi.json).
(function () {
  const $ = (id) => document.getElementById(id);
  const keyStorage = 'vidsearch.apiKey';
  let apiKey = localStorage.getItem(keyStorage) || '';

  function headers() {
    return apiKey ? { 'Authorization': 'Bearer ' + apiKey } : {};
  }

  function say(text, isError) {
    $('message').textContent = text;
    $('message').className = isError ? 'error' : '';
  }

  function time(seconds) {
    const m = Math.floor(seconds / 60);
    const s = (seconds - 60 * m).toFixed(1).padStart(4, '0');
    return m + ':' + s;
  }

  async function call(url, options) {
    const response = await fetch(url, Object.assign({ headers: headers() }, options || {}));
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      const error = (body && body.error) || { code: 'http_' + response.status, message: response.statusText };
      if (error.code === 'unauthorized') { $('key-panel').hidden = false; }
      throw error;
    }
    return body;
  }

  function play(hit, moment) {
    const player = $('player');
    $('player-panel').hidden = false;
    $('now-playing').textContent = hit.name + ' from ' + time(moment.start) + ' to ' + time(moment.end) + ' (score ' + moment.score.toFixed(3) + ')';
    player.dataset.videoId = String(hit.videoId);
    player.dataset.start = String(moment.start);
    const start = () => {
      player.currentTime = moment.start;
      const playing = player.play();
      if (playing) { playing.catch((e) => say('playback did not start: ' + e.message, true)); }
    };
    if (player.getAttribute('src') === hit.streamUrl && player.readyState >= 1) {
      start();
    } else {
      player.addEventListener('loadedmetadata', start, { once: true });
      player.src = hit.streamUrl;
    }
    $('player-panel').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  function show(response) {
    const results = $('results');
    results.replaceChildren();
    if (response.results.length === 0) {
      say('No results: the collection is empty.', false);
      return;
    }
    say(response.results.length + ' videos (' + response.elapsedMs.toFixed(1) + ' ms, ' + response.segmentsSearched + ' segments)', false);
    for (const hit of response.results) {
      const card = document.createElement('article');
      card.className = 'hit';
      const title = document.createElement('h2');
      title.textContent = hit.name + ' \u2014 ' + hit.score.toFixed(3);
      title.title = hit.name;
      card.append(title);
      const moments = document.createElement('div');
      moments.className = 'moments';
      for (const moment of hit.moments) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'moment';
        button.dataset.start = String(moment.start);
        const image = document.createElement('img');
        image.src = moment.thumbnailUrl;
        image.alt = hit.name + ' at ' + time(moment.start);
        image.loading = 'lazy';
        const label = document.createElement('span');
        label.textContent = time(moment.start) + '\u2013' + time(moment.end) + ' \u00b7 ' + moment.score.toFixed(3);
        button.append(image, label);
        button.addEventListener('click', () => play(hit, moment));
        moments.append(button);
      }
      card.append(moments);
      results.append(card);
    }
  }

  async function search(event) {
    event.preventDefault();
    const query = $('query').value.trim();
    if (!query) { say('Type what to find.', true); return; }
    say('Searching\u2026', false);
    try {
      show(await call('/api/search?k=12&q=' + encodeURIComponent(query)));
    } catch (error) {
      say(error.message + ' (' + error.code + ')', true);
    }
  }

  async function searchImage() {
    const file = $('image').files[0];
    if (!file) { return; }
    say('Searching by image\u2026', false);
    try {
      show(await call('/api/search/image?k=12', { method: 'POST', headers: Object.assign({ 'Content-Type': file.type || 'application/octet-stream' }, headers()), body: file }));
    } catch (error) {
      say(error.message + ' (' + error.code + ')', true);
    }
    $('image').value = '';
  }

  async function status() {
    try {
      const s = await call('/api/status');
      $('collection').textContent = s.name + ' \u00b7 ' + s.videos + ' videos \u00b7 ' + s.segments + ' moments \u00b7 ' + s.modelId;
    } catch (error) {
      say(error.message, true);
    }
  }

  $('search-form').addEventListener('submit', search);
  $('image').addEventListener('change', searchImage);
  $('save-key').addEventListener('click', () => {
    apiKey = $('api-key').value.trim();
    localStorage.setItem(keyStorage, apiKey);
    $('key-panel').hidden = true;
    say('Key saved in this browser.', false);
    status();
  });
  status();
})();
