/**
 * The console's page: a static shell whose parts the script fills (client/main.ts). Labels, landmarks and
 * live regions are here so the page reads right before and after the script runs.
 */
export const CONSOLE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Feishu console · task-status bot</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console.css">
<script src="/console.js" defer></script>
</head>
<body>
<header class="topbar">
  <div class="brand">Feishu console <span class="muted">emulated</span></div>
  <div id="transport" class="pill" title="How events reach the bot">connecting…</div>
  <label class="field">Speak as <select id="speaker" aria-label="Speak as"></select></label>
  <div class="field" role="group" aria-label="Card language">
    <span>Cards</span>
    <button type="button" class="seg" data-locale="zh_cn" aria-pressed="false">中文</button>
    <button type="button" class="seg" data-locale="en_us" aria-pressed="true">English</button>
  </div>
</header>
<div class="layout">
  <nav class="sidebar" aria-label="Chats">
    <h2>Chats</h2>
    <ul id="chats" class="chat-list"></ul>
    <h2>Members</h2>
    <div id="members" class="members"></div>
  </nav>
  <main class="chat" aria-label="Conversation">
    <div class="chat-head"><h1 id="chat-title">…</h1><div id="chat-about" class="muted"></div></div>
    <div id="messages" class="messages" role="log" aria-live="polite" aria-label="Messages"></div>
    <form id="composer" class="composer" autocomplete="off">
      <div id="thread-chip" class="thread-chip" hidden></div>
      <label for="composer-text" id="composer-label">Message</label>
      <textarea id="composer-text" rows="2" placeholder="/status 7360595374803812356 — Enter sends, Shift+Enter for a new line"></textarea>
      <div class="composer-row">
        <label id="mention-field" class="check"><input type="checkbox" id="mention-bot" checked> @-mention the bot</label>
        <span class="muted small">**bold**, *italic*, ~~strike~~ or [links](https://…) send rich text</span>
        <button type="submit" class="primary">Send</button>
      </div>
    </form>
  </main>
  <aside class="side" aria-label="Tools">
    <div class="tabs" role="tablist">
      <button type="button" role="tab" id="tab-drive" aria-controls="panel-drive" aria-selected="true">Drive</button>
      <button type="button" role="tab" id="tab-inspector" aria-controls="panel-inspector" aria-selected="false">Inspector</button>
      <button type="button" role="tab" id="tab-faults" aria-controls="panel-faults" aria-selected="false">Faults</button>
    </div>
    <section id="panel-drive" role="tabpanel" aria-labelledby="tab-drive" class="panel">
      <form id="drive-form" class="drive-form">
        <label class="field">Action <select id="drive-operation"><option value="move">Move a folder</option><option value="delete">Delete a folder</option></select></label>
        <label class="field">Outcome <select id="drive-outcome"><option value="success">success</option><option value="fail">fail</option></select></label>
        <label class="field">Duration (s) <input id="drive-seconds" type="number" min="0" max="86400" value="20"></label>
        <button type="submit" class="primary">Start task</button>
      </form>
      <ul id="tasks" class="tasks" aria-label="Drive tasks"></ul>
    </section>
    <section id="panel-inspector" role="tabpanel" aria-labelledby="tab-inspector" class="panel" hidden>
      <div class="inspector-tools">
        <label class="field grow">Filter <input id="inspector-filter" type="search" placeholder="route, path, status, text…"></label>
        <label class="check"><input type="checkbox" id="show-api" checked> API calls</label>
        <label class="check"><input type="checkbox" id="show-events" checked> Events</label>
      </div>
      <div id="journal" class="journal" aria-label="API calls and events"></div>
    </section>
    <section id="panel-faults" role="tabpanel" aria-labelledby="tab-faults" class="panel" hidden>
      <p class="muted small">Switch a fault on and watch the bot cope; switch it off and watch it recover.</p>
      <div id="faults" class="faults"></div>
    </section>
  </aside>
</div>
<div id="toasts" class="toasts" role="status" aria-live="polite"></div>
</body>
</html>
`;
