// The digit reader's service worker: the drawing page, its assets and the serving model work
// offline after the first visit. Pages and assets come from the network when it answers
// (always fresh) and from the cache when it does not; the runtime and the model, whose URLs
// name their version, come from the cache first.
const CACHE = "digit-reader-offline";
const PRECACHE = [{% for url in precache %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const STATIC = "{{ static_url|escapejs }}";
const MODEL_FILE = /^\/models\/[^/]+\/browser\.tflite$/;
const OFFLINE_ALSO = ["/", "/api/models/serving/"];
// Their URLs name their version: a file there never changes.
const immutable = (path) => MODEL_FILE.test(path) || path.startsWith(`${STATIC}vendor/`);

self.addEventListener("install", (event) => {
  // One missing file must not leave the page without the rest.
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => Promise.all(PRECACHE.map((url) => cache.add(url).catch(() => {}))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (immutable(url.pathname)) event.respondWith(cacheFirst(request));
  else if (OFFLINE_ALSO.includes(url.pathname) || url.pathname.startsWith(STATIC)) {
    event.respondWith(networkFirst(request));
  }
});

// The page names the model it now reads with: keep it, and drop the versions before it.
self.addEventListener("message", (event) => {
  const url = event.data && event.data.keepModel;
  if (typeof url !== "string") return;
  event.waitUntil(
    caches.open(CACHE).then(async (cache) => {
      for (const request of await cache.keys()) {
        if (MODEL_FILE.test(new URL(request.url).pathname) && request.url !== url) {
          await cache.delete(request);
        }
      }
      if (!(await cache.match(url))) await cache.add(url);
    }),
  );
});

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreSearch: request.mode === "navigate" });
    if (cached) return cached;
    throw error;
  }
}
