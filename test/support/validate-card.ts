/** The deep card JSON 2.0 checks now live in the emulator, which applies them to every card it receives. */
export * from "@taskbot/feishu-emulator";
