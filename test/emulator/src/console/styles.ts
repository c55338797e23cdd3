/**
 * The console's own layout, beside the cards' stylesheet: three columns at desktop widths (chats,
 * conversation, tools), one column on a phone. Feishu's light palette.
 */
import { CARD_FONT } from "../card-html/styles";

export const CONSOLE_CSS = `
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html, body { height: 100%; }
body { margin: 0; font-family: ${CARD_FONT}; font-size: 14px; line-height: 22px; color: #1F2329;
  background: #F5F6F7; display: flex; flex-direction: column; }
button, input, select, textarea { font: inherit; color: inherit; }
button { cursor: pointer; }
h1, h2 { margin: 0; }
h1 { font-size: 16px; line-height: 24px; }
h2 { font-size: 12px; line-height: 20px; color: #646A73; text-transform: uppercase; letter-spacing: .04em;
  margin: 12px 0 4px; }
.muted { color: #646A73; }
.small { font-size: 12px; line-height: 18px; }
.topbar { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; padding: 8px 16px; background: #fff;
  border-bottom: 1px solid #DEE0E3; }
.brand { font-weight: 600; font-size: 15px; margin-right: auto; }
.pill { font-size: 12px; line-height: 20px; padding: 0 8px; border-radius: 10px; background: #E0E9FF; color: #1456F0; }
.pill.off { background: #FEE3E2; color: #C02A26; }
.field { display: inline-flex; align-items: center; gap: 6px; }
.field select, .field input, textarea { border: 1px solid #D0D3D6; border-radius: 6px; padding: 3px 8px;
  background: #fff; }
.seg { border: 1px solid #D0D3D6; background: #fff; padding: 1px 10px; border-radius: 6px; }
.seg[aria-pressed="true"] { background: #1456F0; border-color: #1456F0; color: #fff; }
.primary { background: #1456F0; color: #fff; border: 1px solid #1456F0; border-radius: 6px; padding: 4px 14px; }
.primary:hover { background: #245BDB; }
.link-button { background: none; border: 0; color: #1456F0; padding: 0; font-size: 12px; }
.check { display: inline-flex; align-items: center; gap: 4px; font-size: 13px; }
.layout { flex: 1 1 auto; min-height: 0; display: grid; grid-template-columns: 230px minmax(0, 1fr) 380px; }
.sidebar { background: #fff; border-right: 1px solid #DEE0E3; padding: 4px 12px; overflow-y: auto; }
.chat-list { list-style: none; margin: 0; padding: 0; }
.chat-list button { width: 100%; text-align: left; border: 0; background: none; border-radius: 6px; padding: 6px 8px; }
.chat-list button:hover { background: #F2F3F5; }
.chat-list button[aria-current="true"] { background: #E0E9FF; color: #1456F0; font-weight: 500; }
.chat-list .kind { display: block; font-size: 12px; line-height: 16px; color: #8F959E; font-weight: 400; }
.members ul { list-style: none; margin: 0 0 8px; padding: 0; }
.members li { display: flex; align-items: center; gap: 6px; padding: 2px 0; }
.chat { display: flex; flex-direction: column; min-width: 0; min-height: 0; }
.chat-head { padding: 10px 16px; background: #fff; border-bottom: 1px solid #DEE0E3; }
.messages { flex: 1 1 auto; overflow-y: auto; padding: 12px 16px 24px; }
.empty { color: #8F959E; text-align: center; margin-top: 48px; }
.msg { display: flex; gap: 10px; margin: 12px 0 0; }
.msg .avatar { flex: 0 0 auto; width: 32px; height: 32px; border-radius: 50%; background: #4E83FD; color: #fff;
  display: flex; align-items: center; justify-content: center; font-weight: 600; }
.msg.bot .avatar { background: #1456F0; }
.msg .body { flex: 1 1 auto; min-width: 0; }
.msg .meta { font-size: 12px; line-height: 18px; color: #8F959E; display: flex; gap: 8px; align-items: baseline; }
.msg .meta .name { color: #646A73; }
.bubble { display: inline-block; background: #fff; border: 1px solid #DEE0E3; border-radius: 8px; padding: 6px 10px;
  max-width: 100%; white-space: normal; overflow-wrap: anywhere; }
.msg.mine .bubble { background: #E0E9FF; border-color: #C2D4FF; }
.msg .fc-card { max-width: 560px; }
.msg .note { font-size: 12px; line-height: 18px; color: #C25705; margin-top: 2px; }
.thread { margin: 4px 0 0 42px; padding-left: 12px; border-left: 2px solid #DEE0E3; }
.thread .msg { margin-top: 8px; }
.topic { background: #fff; border: 1px solid #DEE0E3; border-radius: 8px; padding: 0 12px 12px; margin-top: 12px; }
.updated { font-size: 11px; color: #1456F0; }
.composer { border-top: 1px solid #DEE0E3; background: #fff; padding: 8px 16px 10px; display: flex;
  flex-direction: column; gap: 4px; }
.composer label[for="composer-text"] { font-size: 12px; color: #646A73; }
.composer textarea { width: 100%; resize: vertical; min-height: 44px; }
.composer-row { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
.composer-row .primary { margin-left: auto; }
.thread-chip { font-size: 12px; background: #F2F3F5; border-radius: 6px; padding: 2px 8px; align-self: flex-start; }
.side { background: #fff; border-left: 1px solid #DEE0E3; display: flex; flex-direction: column; min-height: 0; }
.tabs { display: flex; border-bottom: 1px solid #DEE0E3; }
.tabs button { flex: 1 1 0; border: 0; background: none; padding: 8px; border-bottom: 2px solid transparent; }
.tabs button[aria-selected="true"] { color: #1456F0; border-bottom-color: #1456F0; font-weight: 500; }
.panel { flex: 1 1 auto; overflow-y: auto; padding: 12px; min-height: 0; }
.drive-form { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; align-items: end; }
.drive-form .field { flex-direction: column; align-items: stretch; gap: 2px; font-size: 12px; color: #646A73; }
.tasks { list-style: none; margin: 12px 0 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }
.task { border: 1px solid #DEE0E3; border-radius: 8px; padding: 8px; }
.task code { font-size: 13px; }
.task .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-top: 4px; }
.status { font-size: 12px; line-height: 20px; padding: 0 6px; border-radius: 4px; }
.status-process { background: rgba(20,86,240,.2); color: #1456F0; }
.status-success { background: rgba(53,189,75,.2); color: #1A7526; }
.status-fail { background: rgba(245,74,69,.2); color: #C02A26; }
.small-button { border: 1px solid #D0D3D6; background: #fff; border-radius: 6px; padding: 0 8px; font-size: 12px; }
.inspector-tools { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; }
.grow { flex: 1 1 160px; }
.grow input { width: 100%; }
.journal { display: flex; flex-direction: column; gap: 2px; font-size: 12px; line-height: 18px; }
.entry summary { cursor: pointer; display: flex; gap: 6px; align-items: baseline; padding: 2px 4px; border-radius: 4px;
  list-style: none; }
.entry summary:hover { background: #F2F3F5; }
.entry .kind { font-weight: 600; width: 52px; flex: 0 0 auto; }
.entry.kind-api .kind { color: #076A94; }
.entry.kind-event .kind, .entry.kind-callback .kind { color: #7A35F0; }
.entry .title { flex: 1 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; }
.entry .code { flex: 0 0 auto; }
.entry .code.bad { color: #C02A26; font-weight: 600; }
.entry pre { margin: 4px 0 8px; padding: 8px; background: #F5F6F7; border-radius: 6px; overflow-x: auto;
  font-size: 11px; line-height: 16px; max-height: 320px; }
.faults { display: flex; flex-direction: column; gap: 8px; }
.toasts { position: fixed; top: 56px; left: 50%; transform: translateX(-50%); display: flex; flex-direction: column;
  gap: 8px; z-index: 10; pointer-events: none; }
.toast { background: #fff; border: 1px solid #DEE0E3; border-radius: 8px; padding: 8px 14px;
  box-shadow: 0 6px 24px rgba(31,35,41,.12); display: flex; gap: 8px; align-items: center; }
.toast .icon { font-weight: 700; }
.toast-success .icon { color: #1A7526; }
.toast-info .icon { color: #1456F0; }
.toast-warning .icon { color: #C25705; }
.toast-error .icon { color: #C02A26; }
@media (max-width: 820px) {
  body { height: auto; }
  .layout { display: flex; flex-direction: column; }
  .sidebar { border-right: 0; border-bottom: 1px solid #DEE0E3; }
  .chat-list { display: flex; gap: 4px; overflow-x: auto; }
  .chat-list button { white-space: nowrap; }
  .messages { max-height: none; overflow: visible; }
  .side { border-left: 0; border-top: 1px solid #DEE0E3; }
  .thread { margin-left: 20px; }
  .msg .fc-card { max-width: 100%; }
}
`;
