<?php
/**
 * A new comment, checked by (the stand-in) Akismet against the service: a comment the
 * service holds (X-Moderation-Status: pending) is held in WordPress; the check's guid
 * is stored in moderation_guid; WordPress's own errors and trash still win.
 */

require __DIR__ . '/harness.php';
require __DIR__ . '/fake-akismet.php';
harness_load_plugin();

update_option( Moderation_Bridge::OPTION_URL, HARNESS_SERVICE );
update_option( 'wordpress_api_key', '0123456789ab' );
$GLOBALS['http_handler'] = harness_service();

function new_comment( string $text, int $post = 7, string $email = 'ada@example.org' ): int|WP_Error {
	return wp_new_comment(
		array(
			'comment_post_ID'      => $post,
			'comment_author'       => 'Ada O\\\'Brien',
			'comment_author_email' => $email,
			'comment_author_url'   => '',
			'comment_content'      => $text,
			'comment_type'         => 'comment',
			'user_ID'              => 0,
		)
	);
}

function meta( int $id, string $key ): mixed {
	return get_comment_meta( $id, $key, true );
}

// --- Approved by the service: published as WordPress would publish it; guid stored.
harness_reset();
$id = new_comment( 'Which CVE was it?' );
check_same( '1', harness_status( $id ), 'approved by the service: published' );
check_same( $GLOBALS['harness_last_guid'], meta( $id, 'moderation_guid' ), 'approved: the check\'s guid is stored in moderation_guid' );
check_same( 'approved', meta( $id, 'moderation_status' ), 'approved: moderation_status is stored' );
check_same( $GLOBALS['harness_last_guid'], meta( $id, 'akismet_guid' ), 'the stand-in Akismet stored the same guid as akismet_guid' );

// --- Approved by the service, but WordPress's own rules hold it: held.
harness_reset();
$GLOBALS['wp_default_approved'] = 0;
$id                             = new_comment( 'First comment from this reader' );
check_same( '0', harness_status( $id ), 'approved by the service but held by WordPress\'s settings: held' );

// --- Pending, answered "false": WordPress would publish it; the bridge holds it.
harness_reset();
$id = new_comment( 'Please hold this one' );
check_same( '0', harness_status( $id ), 'pending (answer false): held in the moderation queue, not approved' );
check_same( $GLOBALS['harness_last_guid'], meta( $id, 'moderation_guid' ), 'pending: guid stored' );
check_same( 'pending', meta( $id, 'moderation_status' ), 'pending: moderation_status stored' );

// --- Pending, answered "true" (MODERATION_AKISMET_UNCERTAIN_ANSWER=true): held, not spam.
harness_reset();
$id = new_comment( 'hold-as-spam please' );
check_same( '0', harness_status( $id ), 'pending (answer true): held in the moderation queue, not in spam' );

// --- Rejected: spam, as Akismet decides.
harness_reset();
$id = new_comment( 'cheap spam pills' );
check_same( 'spam', harness_status( $id ), 'rejected: spam' );
check_same( $GLOBALS['harness_last_guid'], meta( $id, 'moderation_guid' ), 'rejected: guid stored' );

// --- WordPress's disallowed list (trash) and its errors (flood, duplicate) win over pending.
harness_reset();
$GLOBALS['wp_default_approved'] = 'trash';
$id                             = new_comment( 'hold this, but it is on the disallowed list' );
check_same( 'trash', harness_status( $id ), 'pending but on WordPress\'s disallowed list: trash stays' );
harness_reset();
$GLOBALS['wp_default_approved'] = new WP_Error( 'comment_flood', 'You are posting comments too quickly.' );
$result                         = new_comment( 'hold this, but too fast' );
check( is_wp_error( $result ) && 'comment_flood' === $result->get_error_code(), 'pending but a flood: WordPress\'s error stays' );
check_same( array(), $GLOBALS['wp_comments'], 'and nothing is stored' );

// --- An Akismet plugin that does not copy the guid: the check is matched by the comment's post.
harness_reset();
Akismet::$keeps_guid = false;
$id                  = new_comment( 'hold me, older plugin' );
check_same( '0', harness_status( $id ), 'older Akismet (no akismet_guid): pending still held' );
check_same( $GLOBALS['harness_last_guid'], meta( $id, 'moderation_guid' ), 'older Akismet: guid still stored' );
check_same( '', meta( $id, 'akismet_guid' ), 'older Akismet: (no akismet_guid meta, as expected)' );

// --- The key-in-subdomain style of old Akismet plugins.
harness_reset();
Akismet::$style = 'legacy';
$id             = new_comment( 'hold me, legacy host' );
check_same( '0', harness_status( $id ), 'key-in-subdomain Akismet: pending held' );
check_same( HARNESS_SERVICE . '/1.1/comment-check', $GLOBALS['http_log'][0]['url'], 'key-in-subdomain Akismet: the check went to the service' );

// --- Two comments in one request: each gets its own check.
harness_reset();
$first      = new_comment( 'hold the first', 7 );
$first_guid = $GLOBALS['harness_last_guid'];
$second     = new_comment( 'fine second', 8, 'bob@example.org' );
check_same( array( '0', '1' ), array( harness_status( $first ), harness_status( $second ) ), 'two comments in one request: held and published' );
check( $first_guid !== $GLOBALS['harness_last_guid'], 'two comments: two guids' );
check_same( array( $first_guid, $GLOBALS['harness_last_guid'] ), array( meta( $first, 'moderation_guid' ), meta( $second, 'moderation_guid' ) ), 'two comments: each has its own guid' );

// --- A comment inserted without a check (an import, a pingback Akismet skipped) gets nothing.
harness_reset();
new_comment( 'Which CVE was it?' );
$plain = wp_insert_comment(
	array(
		'comment_post_ID' => 7,
		'comment_content' => 'imported',
	)
);
check_same( '', meta( $plain, 'moderation_guid' ), 'a comment inserted without a check gets no guid' );

// --- The REST API: WordPress decides approval before Akismet checks; the bridge holds it after.
harness_reset();
$id = harness_rest_new_comment(
	array(
		'comment_post_ID'      => 7,
		'comment_author'       => 'Ada',
		'comment_author_email' => 'ada@example.org',
		'comment_content'      => 'hold me, via REST',
	)
);
check_same( '0', harness_status( $id ), 'REST API: pending held' );
check_same( $GLOBALS['harness_last_guid'], meta( $id, 'moderation_guid' ), 'REST API: guid stored' );
harness_reset();
$id = harness_rest_new_comment(
	array(
		'comment_post_ID'      => 7,
		'comment_author'       => 'Ada',
		'comment_author_email' => 'ada@example.org',
		'comment_content'      => 'spam via REST',
	)
);
check_same( 'spam', harness_status( $id ), 'REST API: rejected is spam' );
harness_reset();
$id = harness_rest_new_comment(
	array(
		'comment_post_ID'      => 7,
		'comment_author'       => 'Ada',
		'comment_author_email' => 'ada@example.org',
		'comment_content'      => 'fine via REST',
	)
);
check_same( '1', harness_status( $id ), 'REST API: approved is published' );

// --- A re-check of a stored comment (its body names comment_ID) updates that comment.
harness_reset();
$stored = harness_comment( '0' );
Akismet::http_post( http_build_query( array( 'comment_ID' => $stored, 'comment_post_ID' => 7, 'comment_content' => 'hold on recheck', 'recheck_reason' => 'recheck_queue' ) ), 'comment-check' );
check_same( $GLOBALS['harness_last_guid'], meta( $stored, 'moderation_guid' ), 're-check of a stored comment: its guid is stored' );
check_same( 'pending', meta( $stored, 'moderation_status' ), 're-check of a stored comment: its status is stored' );

// --- Akismet's cron retry (cron_recheck → check_db_comment) of comments whose check failed.
// On "false" Akismet approves a pending comment when check_comment() passes: one the service
// holds must stay pending; one it approves is published, as Akismet would.
harness_reset();
$held  = harness_comment( '0', array( 'akismet_error' => 1 ), array( 'comment_content' => 'hold on retry' ) );
$fine  = harness_comment( '0', array( 'akismet_error' => 1 ), array( 'comment_content' => 'fine on retry' ) );
$asspam = harness_comment( '0', array( 'akismet_error' => 1 ), array( 'comment_content' => 'hold-as-spam on retry' ) );
$spam  = harness_comment( '0', array( 'akismet_error' => 1 ), array( 'comment_content' => 'spam on retry' ) );
Akismet::cron_recheck();
check_same( 4, count( $GLOBALS['http_log'] ), 'cron re-check: each pending comment with akismet_error is re-checked at the service' );
check_same( 'retry', harness_fields( $GLOBALS['http_log'][0] )['recheck_reason'] ?? null, 'cron re-check: sent as recheck_reason=retry with comment_ID' );
check_same( '0', harness_status( $held ), 'cron re-check answered pending: the comment stays in the moderation queue, not approved' );
check_same( 'pending', meta( $held, 'moderation_status' ), 'cron re-check answered pending: moderation_status pending, guid stored' );
check( '' !== meta( $held, 'moderation_guid' ), 'cron re-check answered pending: the check\'s guid is stored' );
check_same( '0', harness_status( $asspam ), 'cron re-check answered pending as "true": held, not spam' );
check_same( '1', harness_status( $fine ), 'cron re-check answered approved: published, as Akismet does' );
check_same( 'spam', harness_status( $spam ), 'cron re-check answered rejected: spam' );
check_same( '', meta( $held, 'akismet_error' ), 'cron re-check: Akismet took the answer (akismet_error cleared, no retry loop)' );
check_same( false, get_option( 'comment_moderation' ), 'cron re-check: comment_moderation is WordPress\'s own again afterwards' );

// A held comment whose re-check comes back approved (a moderator decided meanwhile) is approved.
harness_reset();
$id = harness_comment( '0', array( 'akismet_error' => 1 ), array( 'comment_content' => 'approved now' ) );
Akismet::cron_recheck();
check_same( '1', harness_status( $id ), 'cron re-check answered approved for a formerly failed check: published' );

// --- The service unreachable: Akismet gets nothing and holds the comment; no guid.
harness_reset();
$GLOBALS['http_handler'] = static fn() => new WP_Error( 'http_request_failed', 'Connection refused' );
$id                      = new_comment( 'Which CVE was it?' );
check_same( '0', harness_status( $id ), 'service unreachable: Akismet holds the comment' );
check_same( '', meta( $id, 'moderation_guid' ), 'service unreachable: no guid' );
$GLOBALS['http_handler'] = harness_service();

// --- A check without X-Moderation-Status (an Akismet-only answer): nothing changes.
harness_reset();
$GLOBALS['http_handler'] = static fn() => harness_response( 200, 'false', array( 'X-akismet-guid' => 'plain-guid' ) );
$id                      = new_comment( 'hold me, but no status header' );
check_same( '1', harness_status( $id ), 'no X-Moderation-Status: WordPress\'s own decision stands' );
check_same( 'plain-guid', meta( $id, 'moderation_guid' ), 'no X-Moderation-Status: the guid is still stored' );
$GLOBALS['http_handler'] = harness_service();

harness_done();
