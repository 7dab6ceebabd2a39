/**
 * The dashboard page (`GET /`), as text so it ships in dist with no copy step. It holds no data and no
 * secret: everything it shows comes from API calls that carry the token the user enters.
 */
export const PAGE_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tessera sessions</title>
<link rel="icon" href="data:,">
<style>
  :root { font: 14px/1.4 system-ui, sans-serif; color: #1d2430; background: #f6f7f9; }
  body { margin: 0; }
  header { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #1d2430; color: #fff; }
  header h1 { font-size: 18px; margin: 0; flex: 1; }
  #connection { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #3b4556; }
  #connection[data-state="live"] { background: #2f9e5a; }
  main, #login { padding: 16px 20px; }
  section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
  h2 { font-size: 16px; margin: 0 0 10px; }
  h3 { font-size: 14px; margin: 14px 0 6px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid #eceef1; white-space: nowrap; }
  th { font-weight: 600; color: #586374; font-size: 12px; }
  tbody tr { cursor: pointer; }
  tbody tr:hover { background: #f0f4fa; }
  tr.selected { background: #e3ecf9; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  td.id { font-family: ui-monospace, monospace; color: #586374; }
  .status-running { color: #1f6fd1; } .status-completed { color: #2f9e5a; }
  .status-failed { color: #d64545; } .status-pending, .status-terminating { color: #a36b00; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
  dt { color: #586374; }
  dd { margin: 0; }
  #dag-view { overflow: auto; max-height: 70vh; border: 1px solid #eceef1; border-radius: 4px; background: #fbfcfd; }
  #dag-view:empty { display: none; }
  .legend span { display: inline-flex; align-items: center; gap: 4px; margin-right: 12px; font-size: 12px; }
  .legend i { width: 12px; height: 12px; border-radius: 2px; display: inline-block; }
  #logs { max-height: 40vh; overflow: auto; background: #1d2430; color: #e6e9ee; padding: 8px; border-radius: 4px; font-size: 12px; margin: 0; }
  #logs:empty::before { content: "(no log lines yet)"; color: #8a94a6; }
  form label { display: block; margin-bottom: 8px; }
  input { font: inherit; padding: 4px 6px; width: 24em; }
  button { font: inherit; padding: 4px 12px; cursor: pointer; }
  #login-error { color: #d64545; }
  .muted { color: #586374; font-size: 12px; }
</style>
</head>
<body>
<header>
  <h1>Tessera sessions</h1>
  <span id="connection">signed out</span>
  <button id="forget" type="button" hidden>Forget token</button>
</header>
<div id="login" hidden>
  <section>
    <form id="token-form">
      <label>Bearer token (kept in this tab only)<br><input id="token" type="password" autocomplete="off" spellcheck="false"></label>
      <button id="token-submit" type="submit">Connect</button>
      <p id="login-error" role="alert"></p>
    </form>
  </section>
</div>
<main id="main" hidden>
  <section id="sessions-panel">
    <h2>Sessions</h2>
    <table id="sessions">
      <thead><tr><th>Name</th><th>Id</th><th>Kind</th><th>Status</th><th>Workers</th><th>Memory in use</th><th>Objects</th><th>DAG</th><th>Expires</th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="no-sessions" class="muted">No sessions yet for this token.</p>
  </section>
  <section id="detail" hidden>
    <h2 id="detail-title"></h2>
    <dl id="facts"></dl>
    <h3>DAG</h3>
    <p id="dag-status" class="muted"></p>
    <p class="legend"><span><i style="background:#cfd5dd"></i>pending</span><span><i style="background:#f0b429"></i>running (inputs ready)</span><span><i style="background:#2f9e5a"></i>done</span><span><i style="background:#d64545"></i>failed</span></p>
    <div id="dag-view"></div>
    <p id="dag-store" class="muted"></p>
    <h3>Logs <span id="logs-status" class="muted"></span></h3>
    <pre id="logs"></pre>
  </section>
</main>
<script type="module" src="/dashboard/app.js"></script>
</body>
</html>
`;
