/* The kiosk's one state object.
   state.visit is everything about the citizen at the screen; reset() replaces it with fresh(), so the next
   person sees nothing. The rest belongs to the terminal and survives the reset. */
export const DOOR_REMINDER_SECONDS = 30;   // remind the citizen when the door stays open this long
export const POLL_MS = 1000;               // door state poll
export const DOOR_PULL_HINT_MS = 4000;     // still "waiting" after this: ask the citizen to pull the door
export const BYE_SECONDS = 10;             // goodbye screen returns to start after this
export const IDLE_WARN_MAX_SECONDS = 20;   // warn this long before the idle reset (at most half the timeout)
export const LONG_IDLE_FACTOR = 3;         // compartment open and raffle ticket: three idle timeouts (3 min by default)

export const state = {
  /** `GET /api/kiosk`, with defaults until it has answered. */
  cfg: { codeLength: 12, idleTimeoutSeconds: 60, demo: false, languages: Object.keys(window.KIOSK_TEXT), office: null, locker: null },
  /** `survey.json`, or null when there is none. */
  survey: null,
  /** Terminal property, not personal: survives the idle reset. */
  slowedUntil: 0,
  /** The citizen's visit; replaced on every reset. */
  visit: null,
};

export function fresh() {
  return {
    session: (state.visit ? state.visit.session : 0) + 1,
    lang: "de", screen: "start", mode: "code", code: "", dob: "",
    pickup: null, compartment: null, surveyToken: null, answers: {}, q: 0, raffleToken: null,
    busy: false, timers: [], lastActivity: Date.now(), idleOpen: false, reminderAt: DOOR_REMINDER_SECONDS,
    lastDoor: null, waitAnnounced: -1, answered: false, stale: false, help: null, gone: null
  };
}
state.visit = fresh();
