"""The stub browser a page's scripts run against in the sandbox (pipelines/script_sandbox.py), in JS.

Enough of `document`, `window`, XMLHttpRequest, fetch and jQuery's `$` for counter scripts: writes
(document.write, innerHTML/textContent/innerText/value, appendChild, insertAdjacentHTML, $().html())
are recorded, requests are answered from what is known (`__gk.init`) or recorded as wanted. Elements
exist only when the page has them (getElementById, `#id` selectors, with the page's attributes and
text); any other DOM question (tag or class lookups, sizes and positions, traversal) finds nothing, as
an honest stub must: the script then fails and the page goes to the browser. The viewport is the whole
page: an IntersectionObserver sees every element it observes in view. Time and randomness are fixed
from the page, so the same page asks the same URLs live and in replay.
"""

RUNTIME = r"""
var __gk = (function (G) {
  var S = {answers: {}, requests: [], seen: {}, writes: {}, touched: [], current: -1, tasks: [], seq: 0,
           ready: [], injected: [], els: {}, now: 0, rnd: 1, clock: 0};
  var pageUrl = '', realDate = Date;
  function str(v) { return v === undefined ? 'undefined' : v === null ? 'null' : String(v); }
  function parts(u) {
    var m = /^([a-z][a-z0-9+.\-]*:)\/\/([^\/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(u) || [];
    return {protocol: m[1] || '', host: m[2] || '', pathname: m[3] || '/', search: m[4] || '', hash: m[5] || ''};
  }
  function resolve(u) {
    u = str(u).trim(); var b = parts(pageUrl);
    if (/^[a-z][a-z0-9+.\-]*:/i.test(u)) return u;
    if (u.slice(0, 2) === '//') return b.protocol + u;
    if (u[0] === '/') return b.protocol + '//' + b.host + u;
    if (u[0] === '?') return b.protocol + '//' + b.host + b.pathname + u;
    if (u[0] === '#' || u === '') return pageUrl.split('#')[0] + u;
    var dir = b.pathname.replace(/[^\/]*$/, ''), path = (dir + u).split('/'), out = [];
    for (var i = 0; i < path.length; i++) {
      if (path[i] === '..') { if (out.length > 1) out.pop(); } else if (path[i] !== '.') out.push(path[i]);
    }
    return b.protocol + '//' + b.host + out.join('/');
  }
  // The known answer for a request ({status, text, type} or null: failed), or undefined: wanted.
  function ask(method, url, body, headers, kind) {
    method = str(method || 'GET').toUpperCase(); url = resolve(url); body = body == null ? '' : str(body);
    var key = method + ' ' + url + '\n' + body;
    // Off the crawl's scope, or built from a value the stub did not have: never asked, failed.
    var host = parts(url).host.split(':')[0].toLowerCase();
    if (!(host === S.scope || host.slice(-S.scope.length - 1) === '.' + S.scope) || S.unknown.test(url)) return null;
    if (!S.seen[key]) { S.seen[key] = 1; S.requests.push({key: key, method: method, url: url, body: body,
                                                            headers: headers || {}, kind: kind}); }
    return Object.prototype.hasOwnProperty.call(S.answers, key) ? S.answers[key] : undefined;
  }
  function later(fn, delay, interval) {
    var id = ++S.seq; S.tasks.push({id: id, fn: fn, due: S.clock + Math.max(0, +delay || 0), at: S.current});
    return id;
  }
  // --- elements ---------------------------------------------------------------------------------
  function esc(t) { return str(t).replace(/&/g, '&amp;').replace(/</g, '&lt;'); }
  function Node(tag, attrs, text, known) {
    this.nodeType = tag === '#text' ? 3 : 1; this.tagName = this.nodeName = str(tag).toUpperCase();
    this._a = attrs || {}; this._html = text ? esc(text) : ''; this._kids = []; this._known = !!known;
    this.style = {}; this.dataset = {}; this.parentNode = null;
    for (var k in this._a) if (k.slice(0, 5) === 'data-') this.dataset[k.slice(5).replace(/-(\w)/g, function (m, c) { return c.toUpperCase(); })] = this._a[k];
  }
  var P = Node.prototype;
  function touch(n) { while (n && !n._known) n = n.parentNode; if (n && S.touched.indexOf(n) < 0) S.touched.push(n); }
  function inner(n) { var h = n._html; for (var i = 0; i < n._kids.length; i++) h += outer(n._kids[i]); return h; }
  function outer(n) {
    if (n.nodeType === 3) return esc(n.data);
    var a = ''; for (var k in n._a) a += ' ' + k + '="' + str(n._a[k]).replace(/"/g, '&quot;') + '"';
    var t = n.tagName.toLowerCase(); return '<' + t + a + '>' + inner(n) + '</' + t + '>';
  }
  Object.defineProperty(P, 'innerHTML', {get: function () { return inner(this); },
    set: function (v) { this._html = str(v); this._kids = []; touch(this); }});
  Object.defineProperty(P, 'outerHTML', {get: function () { return outer(this); }});
  ['textContent', 'innerText'].forEach(function (p) {
    Object.defineProperty(P, p, {get: function () { return inner(this).replace(/<[^>]*>/g, ''); },
      set: function (v) { this._html = esc(v); this._kids = []; touch(this); }});
  });
  ['id', 'className', 'value', 'src', 'href', 'title', 'name', 'type'].forEach(function (p) {
    var attr = p === 'className' ? 'class' : p;
    Object.defineProperty(P, p, {get: function () { return this._a[attr] == null ? '' : this._a[attr]; },
      set: function (v) { this._a[attr] = str(v); if (p === 'value') touch(this);
                          if (p === 'id' && this._known === false) S.els[v] = S.els[v] || this; }});
  });
  P.getAttribute = function (n) { n = str(n).toLowerCase(); return this._a[n] == null ? null : str(this._a[n]); };
  P.setAttribute = function (n, v) { this._a[str(n).toLowerCase()] = str(v); };
  P.hasAttribute = function (n) { return this._a[str(n).toLowerCase()] != null; };
  P.removeAttribute = function (n) { delete this._a[str(n).toLowerCase()]; };
  P.appendChild = function (c) {
    if (c && c.parentNode) c.parentNode.removeChild(c);
    this._kids.push(c); c.parentNode = this; touch(this);
    if (c.tagName === 'SCRIPT') { if (c._a.src) S.injected.push({src: resolve(c._a.src), at: S.current});
                                  else if (c._html) S.injected.push({code: c._html, at: S.current}); }
    return c;
  };
  P.insertBefore = function (c) { return this.appendChild(c); };
  P.removeChild = function (c) { var i = this._kids.indexOf(c); if (i >= 0) this._kids.splice(i, 1); c.parentNode = null; return c; };
  P.insertAdjacentHTML = function (pos, h) { this._html = /^after|^beforeend/i.test(pos) ? inner(this) + str(h) : str(h) + inner(this);
                                             this._kids = []; touch(this); };
  P.addEventListener = P.removeEventListener = P.attachEvent = P.focus = P.blur = P.click = function () {};
  P.getElementsByTagName = P.getElementsByClassName = P.querySelectorAll = function () { return []; };
  P.querySelector = function () { return null; };
  Object.defineProperty(P, 'childNodes', {get: function () { return this._kids.slice(); }});
  Object.defineProperty(P, 'children', {get: function () { return this._kids.filter(function (k) { return k.nodeType === 1; }); }});
  Object.defineProperty(P, 'firstChild', {get: function () { return this._kids[0] || null; }});
  Object.defineProperty(P, 'lastChild', {get: function () { return this._kids[this._kids.length - 1] || null; }});
  var body = new Node('body', {}), head = new Node('head', {}), html = new Node('html', {});
  function byId(id) { id = str(id); return S.els[id] || null; }
  function select(sel) { var m = /^\s*#([\w\-:.]+)\s*$/.exec(str(sel)); if (m) return byId(m[1]);
                         var t = str(sel).trim().toLowerCase(); return t === 'body' ? body : t === 'head' ? head : null; }
  var cookies = {};
  var document = {
    nodeType: 9, body: body, head: head, documentElement: html, readyState: 'loading', referrer: '', charset: 'UTF-8',
    write: function () { var s = Array.prototype.join.call(arguments, ''); S.writes[S.current] = (S.writes[S.current] || '') + s;
      var re = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi, m, src;
      while ((m = re.exec(s)) !== null) {
        src = /\bsrc\s*=\s*["']?([^"'\s>]+)/i.exec(m[1]);
        S.injected.push(src ? {src: resolve(src[1]), at: S.current} : {code: m[2], at: S.current});
      } },
    getElementById: byId, querySelector: select,
    querySelectorAll: function (sel) { var e = select(sel); return e ? [e] : []; },
    getElementsByTagName: function (t) { t = str(t).toLowerCase(); return t === 'body' ? [body] : t === 'head' ? [head] : []; },
    getElementsByClassName: function () { return []; }, getElementsByName: function () { return []; },
    createElement: function (t) { return new Node(t, {}); },
    createTextNode: function (t) { var n = new Node('#text', {}); n.data = str(t); return n; },
    createDocumentFragment: function () { return new Node('#fragment', {}); },
    addEventListener: function (ev, fn) { if (/DOMContentLoaded|load/.test(ev)) S.ready.push(fn); },
    attachEvent: function (ev, fn) { if (/load|readystatechange/.test(ev)) S.ready.push(fn); },
    removeEventListener: function () {}, open: function () {}, close: function () {}
  };
  document.writeln = function () { document.write(Array.prototype.join.call(arguments, '') + '\n'); };
  Object.defineProperty(document, 'cookie', {get: function () { return Object.keys(cookies).map(function (k) { return k + '=' + cookies[k]; }).join('; '); },
    set: function (v) { var kv = str(v).split(';')[0], i = kv.indexOf('='); if (i > 0) cookies[kv.slice(0, i).trim()] = kv.slice(i + 1); }});
  Object.defineProperty(document, 'currentScript', {get: function () { return S.scriptEls[S.current] || null; }});
  // --- requests ---------------------------------------------------------------------------------
  function XMLHttpRequest() { this.readyState = 0; this.status = 0; this.responseText = ''; this.response = '';
                              this._h = {}; this._rh = {}; }
  var X = XMLHttpRequest.prototype;
  X.open = function (m, u, async) { this._m = m; this._u = u; this._async = async !== false; this.readyState = 1; };
  X.setRequestHeader = function (k, v) { this._h[k] = str(v); };
  X.overrideMimeType = X.abort = function () {};
  X.getResponseHeader = function (k) { return /content-type/i.test(k) ? this._type || null : null; };
  X.getAllResponseHeaders = function () { return this._type ? 'content-type: ' + this._type + '\r\n' : ''; };
  X.send = function (b) {
    var x = this, a = ask(x._m, x._u, b, x._h, 'xhr');
    if (a === undefined) return;  // wanted: the page runs again once it is known
    function done() {
      x.readyState = 4; x.status = a ? a.status : 0; x.responseText = x.response = a ? a.text : ''; x._type = a ? a.type : '';
      if (x.onreadystatechange) x.onreadystatechange();
      if (a && x.onload) x.onload(); if (!a && x.onerror) x.onerror();
      if (x.onloadend) x.onloadend();
    }
    if (x._async) later(done, 0); else done();
  };
  X.addEventListener = function (ev, fn) { this['on' + ev] = fn; };
  function fetch(u, o) {
    o = o || {}; var a = ask(o.method || 'GET', typeof u === 'object' && u.url ? u.url : u, o.body, o.headers, 'fetch');
    return new Promise(function (res, rej) {
      if (a === undefined) return;
      later(function () {
        if (!a) return rej(new TypeError('Failed to fetch'));
        res({ok: a.status >= 200 && a.status < 300, status: a.status, url: resolve(u),
             headers: {get: function (k) { return /content-type/i.test(k) ? a.type : null; }},
             text: function () { return Promise.resolve(a.text); }, json: function () { return Promise.resolve(JSON.parse(a.text)); }});
      }, 0);
    });
  }
  // --- jQuery, as far as counters use it ------------------------------------------------------------
  function param(d) {
    if (d == null) return ''; if (typeof d !== 'object') return str(d);
    return Object.keys(d).map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(d[k] == null ? '' : d[k]); }).join('&');
  }
  var jsonp = 0;
  function ajax(u, o) {
    if (typeof u === 'object') { o = u; u = o.url; } o = o || {};
    var method = str(o.type || o.method || 'GET').toUpperCase(), data = param(o.data), url = str(u == null ? pageUrl : u);
    var dt = str(o.dataType || '').toLowerCase(), cbName = null, ok = [], bad = [], always = [];
    if (dt === 'jsonp') { cbName = o.jsonpCallback || ('jQuery_gk' + (++jsonp)); url += (url.indexOf('?') < 0 ? '?' : '&') + (o.jsonp || 'callback') + '=' + cbName; }
    if (data && method === 'GET') { url += (url.indexOf('?') < 0 ? '?' : '&') + data; data = null; }
    if (o.cache === false) url += (url.indexOf('?') < 0 ? '?' : '&') + '_=' + S.now;
    var x = new XMLHttpRequest(), d;
    x.open(method, url, o.async !== false);
    if (data) x.setRequestHeader('Content-Type', o.contentType || 'application/x-www-form-urlencoded; charset=UTF-8');
    x.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
    x.onreadystatechange = function () {
      var good = x.status >= 200 && x.status < 300, val = x.responseText;
      if (good) {
        try {
          if (cbName) { var got; G[cbName] = function (v) { got = v; }; (0, eval)(val); val = got; }
          else if (dt === 'json' || (!dt && /json/i.test(x._type || ''))) val = JSON.parse(val);
          else if (dt === 'script' || (!dt && /javascript/i.test(x._type || ''))) (0, eval)(val);
        } catch (e) { good = false; }
      }
      (good ? ok : bad).forEach(function (f) { f(good ? val : x, good ? 'success' : 'error', x); });
      always.forEach(function (f) { f(x); });
    };
    var p = {done: function (f) { ok.push(f); return p; }, fail: function (f) { bad.push(f); return p; },
             always: function (f) { always.push(f); return p; },
             then: function (f, r) { if (f) ok.push(f); if (r) bad.push(r); return p; }};
    p.success = p.done; p.error = p.fail; p.complete = p.always;
    if (o.success) ok.push(o.success); if (o.error) bad.push(o.error); if (o.complete) always.push(o.complete);
    x.send(data);
    return p;
  }
  function shorthand(method, dt) {
    return function (u, d, f, t) { if (typeof d === 'function') { t = f; f = d; d = undefined; }
                                   return ajax({url: u, type: method, data: d, success: f, dataType: dt || t}); };
  }
  function JQ(list) { for (var i = 0; i < list.length; i++) this[i] = list[i]; this.length = list.length; }
  var Q = JQ.prototype;
  function each(q, f) { for (var i = 0; i < q.length; i++) f(q[i], i); return q; }
  Q.html = function (v) { if (v === undefined) return this[0] ? this[0].innerHTML : undefined; return each(this, function (e) { e.innerHTML = v; }); };
  Q.text = function (v) { if (v === undefined) return this[0] ? this[0].textContent : ''; return each(this, function (e) { e.textContent = v; }); };
  Q.val = function (v) { if (v === undefined) return this[0] ? this[0].value : undefined; return each(this, function (e) { e.value = v; }); };
  Q.attr = function (n, v) { if (v === undefined) return this[0] ? this[0].getAttribute(n) : undefined; return each(this, function (e) { e.setAttribute(n, v); }); };
  Q.data = function (n) { return this[0] ? this[0].dataset[n] : undefined; };
  Q.append = function (v) { return each(this, function (e) { e.insertAdjacentHTML('beforeend', v && v.outerHTML ? v.outerHTML : v); }); };
  Q.prepend = function (v) { return each(this, function (e) { e.insertAdjacentHTML('afterbegin', v); }); };
  Q.each = function (f) { return each(this, function (e, i) { f.call(e, i, e); }); };
  Q.eq = function (i) { return new JQ(this[i] ? [this[i]] : []); };
  Q.first = function () { return this.eq(0); };
  Q.find = Q.children = Q.siblings = Q.next = Q.prev = Q.parent = Q.parents = Q.closest = function () { return new JQ([]); };
  Q.ready = function (f) { S.ready.push(f); return this; };
  ['show', 'hide', 'css', 'addClass', 'removeClass', 'toggleClass', 'on', 'off', 'bind', 'unbind', 'click', 'hover',
   'fadeIn', 'fadeOut', 'slideDown', 'slideUp', 'animate', 'stop', 'trigger', 'width', 'height', 'focus', 'blur',
   'delegate', 'live', 'change', 'submit', 'scroll', 'resize', 'load', 'remove', 'empty', 'removeAttr', 'prop'
  ].forEach(function (m) { Q[m] = function () { return this; }; });
  function $(sel) {
    if (typeof sel === 'function') { S.ready.push(sel); return new JQ([]); }
    if (sel instanceof JQ) return sel;
    if (sel && (sel.nodeType || sel === G)) return new JQ([sel]);
    if (typeof sel === 'string' && sel.trim()[0] === '<') { var n = new Node('div', {}); n.innerHTML = sel; return new JQ([n]); }
    var e = typeof sel === 'string' ? select(sel) : null; return new JQ(e ? [e] : []);
  }
  $.fn = Q; $.ajax = ajax; $.get = shorthand('GET'); $.post = shorthand('POST'); $.getJSON = shorthand('GET', 'json');
  $.getScript = function (u, f) { return ajax({url: u, dataType: 'script', success: f}); };
  $.param = param; $.parseJSON = JSON.parse; $.trim = function (s) { return str(s == null ? '' : s).trim(); };
  $.each = function (o, f) { for (var k in o) if (f.call(o[k], k, o[k]) === false) break; return o; };
  $.extend = function (t) { t = t === true ? arguments[1] : t; for (var i = 1; i < arguments.length; i++) for (var k in arguments[i]) t[k] = arguments[i][k]; return t; };
  $.isFunction = function (f) { return typeof f === 'function'; }; $.isArray = Array.isArray; $.noop = function () {};
  $.support = {}; $.browser = {}; $.cookie = function () { return null; }; $.ajaxSetup = function () {};
  // --- atob/btoa (V8 has none) ------------------------------------------------------------------
  var B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  function atob(s) {
    s = str(s).replace(/[\s=]+/g, ''); var out = '', bits = 0, n = 0;
    for (var i = 0; i < s.length; i++) { var v = B64.indexOf(s[i]); if (v < 0) throw new Error('InvalidCharacterError');
      n = (n << 6) | v; bits += 6; if (bits >= 8) { bits -= 8; out += String.fromCharCode((n >> bits) & 255); } }
    return out;
  }
  function btoa(s) {
    s = str(s); var out = '';
    for (var i = 0; i < s.length; i += 3) { var n = (s.charCodeAt(i) << 16) | ((s.charCodeAt(i + 1) || 0) << 8) | (s.charCodeAt(i + 2) || 0);
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < s.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < s.length ? B64[n & 63] : '='); }
    return out;
  }
  // --- the viewport: the whole page -------------------------------------------------------------
  // A counter asked only once it is in view (lazy: IntersectionObserver, an animation frame) is asked
  // by every visitor who scrolls to it: each observed element is in view at once, so the number is the
  // one a browser shows after a scroll, with no render. Sizes and positions stay unknown (see above).
  function IntersectionObserver(cb) {
    var o = this, watched = [];
    o.observe = function (el) { watched.push(el); later(function () {
      if (watched.indexOf(el) >= 0) cb([{target: el, isIntersecting: true, intersectionRatio: 1}], o); }, 0); };
    o.unobserve = function (el) { watched = watched.filter(function (w) { return w !== el; }); };
    o.disconnect = function () { watched = []; };
    o.takeRecords = function () { return []; };
  }
  function requestAnimationFrame(f) { return typeof f === 'function' ? later(function () { f(S.clock); }, 16) : 0; }
  // --- the window -------------------------------------------------------------------------------
  function FixedDate() { var a = Array.prototype.slice.call(arguments);
    if (!(this instanceof FixedDate)) return new realDate(S.now).toString();
    return a.length ? new (Function.prototype.bind.apply(realDate, [null].concat(a)))() : new realDate(S.now); }
  FixedDate.prototype = realDate.prototype; FixedDate.now = function () { return S.now; };
  FixedDate.UTC = realDate.UTC; FixedDate.parse = realDate.parse;
  function random() { S.rnd = (S.rnd * 1103515245 + 12345) % 2147483648; return S.rnd / 2147483648; }
  var store = function () { var m = {}; return {getItem: function (k) { return m.hasOwnProperty(k) ? m[k] : null; },
    setItem: function (k, v) { m[k] = str(v); }, removeItem: function (k) { delete m[k]; }, clear: function () { m = {}; }}; };
  var env = {window: G, self: G, top: G, parent: G, document: document, XMLHttpRequest: XMLHttpRequest,
    ActiveXObject: function () { return new XMLHttpRequest(); }, fetch: fetch, $: $, jQuery: $, atob: atob, btoa: btoa,
    Date: FixedDate, setTimeout: function (f, d) { return typeof f === 'function' ? later(f, d) : 0; },
    setInterval: function (f, d) { return typeof f === 'function' ? later(f, d) : 0; },
    clearTimeout: function (id) { S.tasks = S.tasks.filter(function (t) { return t.id !== id; }); },
    IntersectionObserver: IntersectionObserver, requestAnimationFrame: requestAnimationFrame,
    Image: function () { return new Node('img', {}); }, navigator: {userAgent: 'Mozilla/5.0', language: 'zh-CN', cookieEnabled: true},
    screen: {width: 1920, height: 1080}, localStorage: store(), sessionStorage: store(),
    console: {log: function () {}, warn: function () {}, error: function () {}, info: function () {}},
    alert: function () {}, confirm: function () { return false; }, prompt: function () { return null; },
    addEventListener: document.addEventListener, attachEvent: document.attachEvent, removeEventListener: function () {}};
  env.clearInterval = env.cancelAnimationFrame = env.clearTimeout;
  for (var k in env) G[k] = env[k];
  Math.random = random;
  return {
    init: function (c) {
      pageUrl = c.url; S.scope = c.scope; S.unknown = new RegExp(c.unknown); S.now = c.now; S.rnd = c.seed; S.answers = c.answers; document.title = c.title;
      document.URL = document.documentURI = c.url; document.domain = parts(c.url).host.split(':')[0];
      var p = parts(c.url);
      G.location = document.location = {href: c.url, protocol: p.protocol, host: p.host, hostname: p.host.split(':')[0],
        port: p.host.split(':')[1] || '', pathname: p.pathname, search: p.search, hash: p.hash,
        origin: p.protocol + '//' + p.host, toString: function () { return c.url; },
        replace: function () {}, assign: function () {}, reload: function () {}};
      for (var id in c.elements) { var e = c.elements[id]; S.els[id] = new Node(e.tag, e.attrs, e.text, true); }
      S.scriptEls = c.scripts.map(function (a) { return new Node('script', a); });
    },
    begin: function (i) { S.current = i; },
    // The next task due (timers in virtual time, answers to async requests): run it; false if none.
    step: function (maxDelay) {
      if (S.ready.length) { var r = S.ready.shift(); document.readyState = 'complete'; r.call(document, $); return true; }
      if (G.onload && !S.loaded) { S.loaded = 1; G.onload({type: 'load'}); return true; }
      S.tasks.sort(function (a, b) { return a.due - b.due || a.id - b.id; });
      var t = S.tasks.shift(); if (!t || t.due > maxDelay) return false;
      S.clock = t.due; S.current = t.at; t.fn(); return true;
    },
    takeInjected: function () { var x = S.injected; S.injected = []; return JSON.stringify(x); },
    result: function () {
      var sets = {};
      S.touched.forEach(function (n) { if (n._a.id != null) sets[n._a.id] = inner(n); });
      return JSON.stringify({writes: S.writes, sets: sets, requests: S.requests});
    }
  };
})(this);
"""
