// GET (no body) or POST a JSON body, with the run's token (the server refuses /api/ calls
// without it); the server's one-sentence error becomes the Error's message.
const TOKEN = document.querySelector('meta[name="hiddenlens-token"]').content;

export async function api(url, body) {
  const headers = { "X-Hiddenlens-Token": TOKEN };
  const opts = body === undefined ? { headers } : {
    method: "POST", headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const r = await fetch(url, opts);
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}
