import type { App } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { DETAILS_ACTION, FEEDBACK_ACTION, FEEDBACK_FOLLOWUP_VIEW, POST_TO_PR_ACTION, SHOW_SAFE_VERSION_ACTION, STOP_ACTION } from '../render/answer-blocks.js';
import { OPEN_PR_REVIEW_ACTION } from '../render/pr-heads-up.js';
import { DB_VIEW, HOME_DB_ACTION, HOME_LINK_ACTION, LINK_VIEW } from '../render/home.js';
import { feedbackClicked, feedbackFollowUpSubmitted } from './actions/feedback.js';
import { openPullRequestReviewClicked } from './actions/open-pr-review.js';
import { postToPullRequestClicked } from './actions/post-to-pr.js';
import { showDetailsClicked } from './actions/show-details.js';
import { showSafeVersionClicked } from './actions/show-safe-version.js';
import { stopClicked } from './actions/stop.js';
import { databaseSubmitted, linkSubmitted, openDatabaseModal, openLinkModal } from './home.js';
import { ASK_ABOUT_MESSAGE_SHORTCUT, askAboutMessage } from './shortcuts/ask-about-message.js';

/** Buttons, modals and the message shortcut. */
export function register(app: App, deps: SlackDeps): void {
  app.action(FEEDBACK_ACTION, feedbackClicked(deps));
  app.action(STOP_ACTION, stopClicked(deps));
  app.action(DETAILS_ACTION, showDetailsClicked(deps));
  app.action(OPEN_PR_REVIEW_ACTION, openPullRequestReviewClicked(deps));
  app.action(POST_TO_PR_ACTION, postToPullRequestClicked(deps));
  app.action(SHOW_SAFE_VERSION_ACTION, showSafeVersionClicked(deps));
  app.action(HOME_LINK_ACTION, openLinkModal(deps));
  app.action(HOME_DB_ACTION, openDatabaseModal(deps));
  app.view(FEEDBACK_FOLLOWUP_VIEW, feedbackFollowUpSubmitted(deps));
  app.view(LINK_VIEW, linkSubmitted(deps));
  app.view(DB_VIEW, databaseSubmitted(deps));
  app.shortcut(ASK_ABOUT_MESSAGE_SHORTCUT, askAboutMessage(deps));
}
