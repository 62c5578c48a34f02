//! Following the conversation's live stream: the replies of the people answering through the API,
//! and whether a person has been asked for.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::chat::{Chat, Role};
use crate::net::{self, Abort, FollowEnd, LiveEvent};

/// Following the conversation's live stream of agents' replies.
#[derive(Default)]
pub struct Live {
    /// Bumped whenever following stops or starts over, so a follower of an older generation
    /// knows to stop.
    pub generation: u32,
    /// Aborts the current request.
    pub abort: Abort,
    /// The position of the last agent's message received: where a reconnection resumes.
    pub after: u64,
    /// The agents' messages shown, as the stream may send one again.
    pub seen: Vec<String>,
}

/// The pause in milliseconds before following the live stream again after `failures` failed or
/// ended connections in a row (counting from 0): 1 s, 2 s, 5 s, then 10 s.
pub fn backoff_ms(failures: usize) -> i32 {
    const BACKOFF_MS: [i32; 4] = [1_000, 2_000, 5_000, 10_000];
    BACKOFF_MS[failures.min(BACKOFF_MS.len() - 1)]
}

impl Chat {
    /// Stops following the live stream, aborting its request.
    pub fn unfollow(self) {
        self.keep(|k| {
            k.live.generation = k.live.generation.wrapping_add(1);
            k.live.abort.abort();
        });
    }

    /// Follows the conversation's live stream until `unfollow`: agents' messages become lines,
    /// and the status shows whether a person has been asked for. A stream that fails or ends is
    /// followed again after a pause that grows with each failure in a row, from where it was.
    pub fn follow(self, conversation_id: String) {
        let generation = self.keep(|k| k.live.generation);
        // A destroyed widget has unfollowed (a new generation), so this follower stops too.
        let current = move || self.keep(|k| k.live.generation) == generation;
        let (backend, chatbot_id) = self.endpoint();
        spawn_local(async move {
            let mut failures = 0;
            while current() {
                let abort = Abort::new();
                let signal = abort.signal();
                let after = self.keep(|k| {
                    k.live.abort = abort;
                    k.live.after
                });
                let mut heard = false;
                let end = net::follow_conversation(
                    &backend,
                    &chatbot_id,
                    &conversation_id,
                    after,
                    signal.as_ref(),
                    |event| {
                        if current() {
                            heard = true;
                            self.on_live(event);
                        }
                    },
                )
                .await;
                if end == FollowEnd::Refused || !current() {
                    return;
                }
                if heard {
                    failures = 0;
                }
                net::sleep(backoff_ms(failures)).await;
                failures += 1;
            }
        });
    }

    /// Shows what the live stream said. An agent's message the stream sends again (after a
    /// reconnection) is shown once.
    pub fn on_live(self, event: LiveEvent) {
        match event {
            LiveEvent::Status(status) => self.escalated.set(status == "escalated"),
            LiveEvent::Message { position, message } => {
                let fresh = self.keep(|k| {
                    k.live.after = k.live.after.max(position);
                    let fresh = !k.live.seen.contains(&message.id);
                    if fresh {
                        k.live.seen.push(message.id.clone());
                    }
                    fresh
                });
                if fresh {
                    self.emit_message("agent", &message.content, Some(message.id));
                    self.push(Role::Agent, message.content);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    pub fn reconnection_waits_one_two_five_then_ten_seconds() {
        let waits: Vec<i32> = (0..6).map(backoff_ms).collect();
        assert_eq!(waits, [1_000, 2_000, 5_000, 10_000, 10_000, 10_000]);
    }
}
