/**
 * The stylesheet of the HTML the card renderer writes (class prefix `fc-`), light mode. Sizes and colours
 * from cards-v2-rendering.md: text 14/22 px N900, links and mentions B600, header title 16 px medium, tags
 * 12/20 px, buttons per type and size (PC), dividers N900 at 15 %, card border N300, grey fills N50, the Lark
 * web font stack (§5). What the reference leaves open ([?]: body spacing, subtitle colour, tag radius, the
 * gap a blank line makes) is chosen here and listed in the emulator README.
 */
export const CARD_FONT =
  '"Lark Circular", -apple-system, BlinkMacSystemFont, "Helvetica Neue", Tahoma, "PingFang SC", ' +
  '"Microsoft Yahei", Arial, "Hiragino Sans GB", "Noto Sans CJK SC", sans-serif';

export const CARD_CSS = `
.fc-card { box-sizing: border-box; width: 100%; background: #fff; border: 1px solid #DEE0E3; border-radius: 8px;
  overflow: hidden; font-family: ${CARD_FONT}; font-size: 14px; line-height: 22px; color: #1F2329;
  text-align: left; overflow-wrap: anywhere; }
.fc-card *, .fc-card *::before { box-sizing: border-box; }
.fc-header { display: flex; flex-direction: column; gap: 2px; }
.fc-header-default { border-bottom: 0; padding-bottom: 0 !important; }
.fc-title-row { display: flex; align-items: flex-start; gap: 6px; }
.fc-title { flex: 1 1 auto; font-size: 16px; line-height: 24px; font-weight: 500; display: -webkit-box;
  -webkit-line-clamp: 4; -webkit-box-orient: vertical; overflow: hidden; }
.fc-subtitle { font-size: 14px; line-height: 22px; opacity: .85; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.fc-header-default .fc-subtitle { color: #646A73; opacity: 1; }
.fc-tag { display: inline-block; flex: 0 0 auto; font-size: 12px; line-height: 20px; padding: 0 6px;
  border-radius: 4px; font-weight: 500; white-space: nowrap; vertical-align: 1px; }
.fc-title-row .fc-tag { margin-top: 2px; }
.fc-body { display: flex; align-items: stretch; }
.fc-markdown, .fc-div { min-width: 0; }
.fc-md-p, .fc-md-li, .fc-md-h, .fc-md-quote, .fc-md-pre, .fc-md-table { margin: 0; }
.fc-gap { margin-top: 8px; }
.fc-md-h { font-weight: 600; line-height: 1.4; }
.fc-md-li { position: relative; }
.fc-md-bullet { position: absolute; margin-left: -16px; width: 14px; text-align: center; color: #1F2329; }
.fc-md-quote { border-left: 2px solid #BBBFC4; padding-left: 8px; color: #646A73; }
.fc-md-pre { background: #F5F6F7; border-radius: 6px; padding: 8px 12px; overflow-x: auto; font-size: 13px;
  line-height: 20px; font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; white-space: pre; }
.fc-code-inline { background: rgba(31,35,41,.08); border-radius: 4px; padding: 0 4px; margin: 0 1px;
  font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
.fc-md-hr, .fc-hr { border: 0; height: 1px; background: rgba(31,35,41,.15); margin: 0; width: 100%; }
.fc-md-table, .fc-table { border-collapse: collapse; width: 100%; font-size: 14px; }
.fc-md-table th, .fc-md-table td, .fc-table th, .fc-table td { border: 1px solid #DEE0E3; padding: 6px 8px;
  text-align: left; vertical-align: top; }
.fc-md-table th, .fc-table th { background: #F5F6F7; font-weight: 600; }
.fc-link { color: #1456F0; text-decoration: none; }
.fc-link:hover { text-decoration: underline; }
.fc-at { color: #1456F0; }
.fc-datetime { white-space: nowrap; }
.fc-person { display: inline-flex; align-items: center; gap: 4px; vertical-align: bottom; }
.fc-person-capsule { background: rgba(31,35,41,.08); border-radius: 12px; padding: 0 8px 0 2px; }
.fc-person-block { display: flex; flex-wrap: wrap; gap: 8px; }
.fc-avatar { display: inline-flex; align-items: center; justify-content: center; border-radius: 50%;
  background: #4E83FD; color: #fff; font-weight: 500; line-height: 1; flex: 0 0 auto; }
.fc-number-tag { display: inline-block; min-width: 16px; padding: 0 4px; border-radius: 8px; background: #F54A45;
  color: #fff; font-size: 12px; line-height: 16px; text-align: center; }
.fc-note { font-size: 12px; line-height: 20px; color: #646A73; }
.fc-fields { display: flex; flex-wrap: wrap; gap: 4px 16px; }
.fc-field { flex: 1 1 100%; }
.fc-field-short { flex: 1 1 calc(50% - 16px); }
.fc-clamp { display: -webkit-box; -webkit-box-orient: vertical; overflow: hidden; }
.fc-column-set { display: flex; flex-wrap: nowrap; min-width: 0; }
.fc-column-set.fc-filled { padding: 8px; border-radius: 8px; }
.fc-flex-flow { flex-wrap: wrap; }
.fc-flex-stretch { flex-direction: column; }
.fc-flex-bisect, .fc-flex-trisect { display: grid; grid-template-columns: 1fr 1fr; }
.fc-flex-trisect { grid-template-columns: 1fr 1fr 1fr; }
.fc-column { display: flex; flex-direction: column; border-radius: 4px; }
.fc-actions { display: flex; flex-wrap: wrap; gap: 8px; }
.fc-button { font-family: inherit; font-size: 14px; line-height: 22px; padding: 4px 12px; border-radius: 6px;
  border: 1px solid #D0D3D6; background: #fff; color: #1F2329; cursor: pointer; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; max-width: 100%; }
.fc-button:hover { background: #F2F3F5; }
.fc-button:focus-visible { outline: 2px solid #1456F0; outline-offset: 1px; }
.fc-button-tiny { font-size: 12px; line-height: 20px; padding: 1px 8px; }
.fc-button-small { font-size: 12px; line-height: 20px; padding: 3px 8px; }
.fc-button-large { font-size: 16px; line-height: 24px; padding: 7px 16px; }
.fc-button-primary { border-color: #1456F0; color: #1456F0; }
.fc-button-primary:hover { background: #E0E9FF; }
.fc-button-danger { border-color: #F54A45; color: #F54A45; }
.fc-button-danger:hover { background: #FEE3E2; }
.fc-button-text, .fc-button-primary_text, .fc-button-danger_text { border-color: transparent; background: transparent; }
.fc-button-primary_text { color: #1456F0; }
.fc-button-danger_text { color: #F54A45; }
.fc-button-primary_filled { background: #1456F0; border-color: #1456F0; color: #fff; }
.fc-button-primary_filled:hover { background: #245BDB; }
.fc-button-danger_filled { background: #F54A45; border-color: #F54A45; color: #fff; }
.fc-button-danger_filled:hover { background: #D83931; }
.fc-button-laser { background: linear-gradient(90deg, #EEF3FF, #F5EEFF); border-color: #C4B4FF; color: #1456F0; }
.fc-button:disabled { color: #BBBFC4; border-color: #DEE0E3; background: #fff; cursor: not-allowed; }
.fc-img { display: flex; align-items: center; justify-content: center; background: #F2F3F5; border-radius: 4px;
  color: #8F959E; font-size: 12px; overflow: hidden; max-width: 100%; }
.fc-panel { border-radius: 8px; }
.fc-panel-title { cursor: pointer; font-weight: 500; }
.fc-panel-body { padding-top: 8px; display: flex; flex-direction: column; gap: 8px; }
.fc-container, .fc-form { display: flex; flex-direction: column; gap: 8px; border-radius: 8px; }
.fc-clickable { cursor: pointer; }
.fc-unsupported { border: 1px dashed #BBBFC4; border-radius: 6px; padding: 6px 10px; color: #8F959E;
  font-size: 12px; line-height: 20px; background: #F5F6F7; }
.fc-unsupported-tag { font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; color: #646A73; }
.fc-post-title { font-weight: 600; font-size: 16px; line-height: 24px; }
`;
