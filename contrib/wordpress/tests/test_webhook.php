<?php
/**
 * POST /wp-json/moderation/v1/webhook: signature, check.decided applied by guid
 * (approve, spam, trash, hold), 401/404/202/400/503 answers, stale and repeated
 * deliveries, and no echo of the applied change back to the service.
 */

require __DIR__ . '/harness.php';
require __DIR__ . '/fake-akismet.php';
harness_load_plugin();

const SECRET = 'correct horse battery staple';

update_option( Moderation_Bridge::OPTION_URL, HARNESS_SERVICE );
update_option( Moderation_Bridge::OPTION_SECRET, SECRET );
update_option( 'wordpress_api_key', '0123456789ab' );
$GLOBALS['http_handler'] = harness_service();

/** The webhook runs as nobody, but a site may run it logged in: echo must not depend on that. */
function as_moderator(): void {
	$GLOBALS['wp_caps'] = array( 'moderate_comments', 'edit_comment' );
}

$route = $GLOBALS['wp_rest_routes']['/moderation/v1/webhook'] ?? null;
check( is_array( $route ) && 'POST' === $route['methods'], 'the route POST /moderation/v1/webhook is registered' );

// --- Each decision maps to a WordPress status; nothing goes back to the service.
$cases = array(
	array( '0', 'approved', null, '1', 'approved → approve (held → published)' ),
	array( '1', 'rejected', 'spam', 'spam', 'rejected + spam → spam' ),
	array( '0', 'rejected', 'spam', 'spam', 'rejected + spam → spam (from held)' ),
	array( '1', 'rejected', 'removed', 'trash', 'rejected + removed → trash' ),
	array( '1', 'rejected', null, 'trash', 'rejected without a kind → trash' ),
	array( '1', 'pending', null, '0', 'pending → hold (back in the queue)' ),
	array( 'spam', 'approved', null, '1', 'approved → approve (spam → published)' ),
	array( 'trash', 'approved', null, '1', 'approved → approve (trash → published)' ),
);
foreach ( $cases as [ $from, $status, $rejection, $to, $what ] ) {
	foreach ( array( false, true ) as $logged_in ) {
		harness_reset();
		if ( $logged_in ) {
			as_moderator();
		}
		$id       = harness_comment( $from, array( 'moderation_guid' => 'guid-1' ) );
		$response = harness_webhook( harness_decision( 'guid-1', $status, $rejection ), SECRET );
		$who      = $logged_in ? ' (as a moderator)' : '';
		check_same( 200, $response->get_status(), "$what$who: 200" );
		check_same( $to, harness_status( $id ), "$what$who: applied" );
		check_same( true, $response->get_data()['ok'] ?? null, "$what$who: answers ok" );
		check_same( $id, $response->get_data()['comment_id'] ?? null, "$what$who: answers the comment ID" );
		check_same( $status, get_comment_meta( $id, 'moderation_status', true ), "$what$who: moderation_status updated" );
		check_same( array(), $GLOBALS['http_log'], "$what$who: nothing is sent to the service" );
		foreach ( Akismet::$reports as $report ) {
			check_same( Moderation_Bridge::THANKS, $report['body'], "$what$who: Akismet's {$report['path']} is answered with Akismet's thanks, locally" );
		}
	}
}

// --- The Akismet plugin's own reports are short-circuited while a decision is applied.
harness_reset();
as_moderator();
$id = harness_comment( '1', array( 'moderation_guid' => 'guid-2' ) );
harness_webhook( harness_decision( 'guid-2', 'rejected', 'spam' ), SECRET );
check_same( array( 'submit-spam' ), array_column( Akismet::$reports, 'path' ), 'a moderator session: Akismet tried submit-spam' );
check_same( array( Moderation_Bridge::THANKS ), array_column( Akismet::$reports, 'body' ), 'and got "Thanks for making the web a better place." without a request' );
check_same( array(), $GLOBALS['http_log'], 'and the service heard nothing' );

// --- After the webhook, a moderator's own decision is reported again.
Akismet::$reports = array();
wp_set_comment_status( $id, 'approve' );
check_same( array( HARNESS_SERVICE . '/1.1/submit-ham' ), array_column( $GLOBALS['http_log'], 'url' ), 'after the webhook, a moderator\'s spam → approved is sent as submit-ham' );
check_same( 'guid-2', harness_fields( $GLOBALS['http_log'][0] )['guid'] ?? null, 'with the guid' );

// --- Signature.
harness_reset();
$id       = harness_comment( '0', array( 'moderation_guid' => 'guid-3' ) );
$decision = harness_decision( 'guid-3', 'approved' );
$response = harness_webhook( $decision, 'not the secret' );
check_same( 401, $response->get_status(), 'a signature with another secret: 401' );
check_same( 'moderation_bad_signature', $response->get_data()['code'] ?? null, '401 names the problem' );
check_same( '0', harness_status( $id ), 'and the comment is unchanged' );
check_same( 401, harness_webhook( $decision, null )->get_status(), 'no signature: 401' );
check_same( 401, harness_webhook( $decision, null, array( 'X-Moderation-Signature' => 'sha256=' ) )->get_status(), 'an empty signature: 401' );
check_same( 401, harness_webhook( $decision, null, array( 'X-Moderation-Signature' => hash_hmac( 'sha256', json_encode( $decision, JSON_UNESCAPED_SLASHES ), SECRET ) ) )->get_status(), 'a signature without "sha256=": 401' );
$signed_other = 'sha256=' . hash_hmac( 'sha256', json_encode( harness_decision( 'guid-3', 'rejected', 'spam' ), JSON_UNESCAPED_SLASHES ), SECRET );
check_same( 401, harness_webhook( $decision, null, array( 'X-Moderation-Signature' => $signed_other ) )->get_status(), 'the signature of another body: 401' );
check_same( '0', harness_status( $id ), 'still unchanged' );
$body     = json_encode( $decision, JSON_UNESCAPED_SLASHES );
$response = harness_webhook( $body, null, array( 'X-Moderation-Signature' => 'sha256=' . strtoupper( hash_hmac( 'sha256', $body, SECRET ) ) ) );
check_same( 200, $response->get_status(), 'the signature\'s hex digits in capitals are accepted' );
check_same( '1', harness_status( $id ), 'and applied' );
$body = json_encode( harness_decision( 'guid-3', 'pending' ), JSON_PRETTY_PRINT );
check_same( 200, harness_webhook( $body, SECRET )->get_status(), 'the raw body is signed, whatever its layout' );

// --- Unknown guid, other events, bad payloads.
harness_reset();
$response = harness_webhook( harness_decision( 'no-such-guid', 'approved' ), SECRET );
check_same( 404, $response->get_status(), 'an unknown guid: 404' );
check_same( 'moderation_unknown_guid', $response->get_data()['code'] ?? null, '404 names the problem' );
$id       = harness_comment( '0', array( 'moderation_guid' => 'guid-4' ) );
$response = harness_webhook(
	array(
		'event' => 'comment.held',
		'at'    => '2026-03-01T12:00:00+00:00',
		'data'  => array( 'guid' => 'guid-4' ),
	),
	SECRET
);
check_same( 202, $response->get_status(), 'another event: 202' );
check_same( 'comment.held', $response->get_data()['ignored'] ?? null, '202 names the ignored event' );
check_same( 202, harness_webhook( array( 'event' => 'model.activated', 'data' => array( 'version' => 3 ) ), SECRET )->get_status(), 'model.activated: 202' );
check_same( '0', harness_status( $id ), 'ignored events change nothing' );
check_same( 400, harness_webhook( '{not json', SECRET )->get_status(), 'a signed body that is not JSON: 400' );
check_same( 400, harness_webhook( array( 'data' => array() ), SECRET )->get_status(), 'no event: 400' );
check_same( 400, harness_webhook( harness_decision( '', 'approved' ), SECRET )->get_status(), 'no guid: 400' );
check_same( 400, harness_webhook( harness_decision( 'guid-4', 'maybe' ), SECRET )->get_status(), 'an unknown status: 400' );
check_same( '0', harness_status( $id ), 'bad payloads change nothing' );

// --- A comment Akismet stored the guid for (akismet_guid only) is found too.
harness_reset();
$id = harness_comment( '0', array( 'akismet_guid' => 'guid-5' ) );
check_same( 200, harness_webhook( harness_decision( 'guid-5', 'approved' ), SECRET )->get_status(), 'a comment with only akismet_guid is found' );
check_same( '1', harness_status( $id ), 'and decided' );
$query = $GLOBALS['wp_comment_queries'][0] ?? array();
check_same( array( 'moderation_guid', 'any' ), array( $query['meta_key'] ?? null, $query['status'] ?? null ), 'the lookup is by meta moderation_guid over every status (spam and trash too)' );

// --- Repeated and stale deliveries.
harness_reset();
$id       = harness_comment( '0', array( 'moderation_guid' => 'guid-6' ) );
$first    = harness_webhook( harness_decision( 'guid-6', 'approved', null, '2026-03-01T12:00:00.250000+00:00' ), SECRET );
$again    = harness_webhook( harness_decision( 'guid-6', 'approved', null, '2026-03-01T12:00:00.250000+00:00' ), SECRET );
check_same( array( 200, true ), array( $first->get_status(), $first->get_data()['changed'] ), 'first delivery: changed' );
check_same( array( 200, false ), array( $again->get_status(), $again->get_data()['changed'] ), 'the same delivery again: 200, unchanged' );
$stale = harness_webhook( harness_decision( 'guid-6', 'rejected', 'spam', '2026-03-01T12:00:00.100000+00:00' ), SECRET );
check_same( array( 200, 'stale' ), array( $stale->get_status(), $stale->get_data()['note'] ?? null ), 'an older decision delivered late: 200, marked stale' );
check_same( '1', harness_status( $id ), 'and the newer decision stands' );
$newer = harness_webhook( harness_decision( 'guid-6', 'rejected', 'spam', '2026-03-01T12:05:00+00:00' ), SECRET );
check_same( array( 200, 'spam' ), array( $newer->get_status(), harness_status( $id ) ), 'a newer decision is applied' );

// --- No secret set: every call is refused.
harness_reset();
delete_option( Moderation_Bridge::OPTION_SECRET );
$id       = harness_comment( '0', array( 'moderation_guid' => 'guid-7' ) );
$response = harness_webhook( harness_decision( 'guid-7', 'approved' ), '' );
check_same( 503, $response->get_status(), 'no webhook secret configured: 503' );
check_same( '0', harness_status( $id ), 'and nothing is applied' );
update_option( Moderation_Bridge::OPTION_SECRET, SECRET );

harness_done();
