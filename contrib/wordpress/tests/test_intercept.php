<?php
/**
 * Requests for Akismet's API go to the service: host rewrite (bare host and key
 * subdomain, http and https, an IP address with a Host header), path, query, method,
 * body and headers kept, Host dropped; other hosts untouched; no recursion.
 */

require __DIR__ . '/harness.php';
require __DIR__ . '/fake-akismet.php';
harness_load_plugin();

const KEY = '0123456789ab';

function configure( string $url ): void {
	update_option( Moderation_Bridge::OPTION_URL, $url );
}

function last_request(): array {
	return $GLOBALS['http_log'][ count( $GLOBALS['http_log'] ) - 1 ] ?? array(
		'url'  => '',
		'args' => array(),
	);
}

function header_names( array $args ): array {
	return array_map( 'strtolower', array_keys( is_array( $args['headers'] ) ? $args['headers'] : array() ) );
}

$GLOBALS['http_handler'] = harness_service();
configure( HARNESS_SERVICE );
update_option( 'wordpress_api_key', KEY );

// --- The bare host, https, as the current Akismet plugin sends it.
harness_reset();
$body     = 'blog=https%3A%2F%2Fnews.example&user_ip=203.0.113.9&comment_content=Hello&comment_context%5B0%5D=security&api_key=' . KEY;
$response = wp_remote_post(
	'https://rest.akismet.com/1.1/comment-check',
	array(
		'body'        => $body,
		'headers'     => array(
			'Content-Type'   => 'application/x-www-form-urlencoded; charset=UTF-8',
			'Host'           => 'rest.akismet.com',
			'User-Agent'     => 'WordPress/6.6 | Akismet/5.4',
			'Content-Length' => (string) strlen( $body ),
		),
		'httpversion' => '1.0',
		'timeout'     => 15,
	)
);
$sent     = last_request();
check_same( 1, count( $GLOBALS['http_log'] ), 'https://rest.akismet.com: one request reaches the network' );
check_same( HARNESS_SERVICE . '/1.1/comment-check', $sent['url'], 'https://rest.akismet.com: sent to the service, same path' );
check_same( 'POST', $sent['args']['method'], 'the method is kept' );
check_same( $body, $sent['args']['body'], 'the body is kept byte for byte' );
check_same( 'application/x-www-form-urlencoded; charset=UTF-8', $sent['args']['headers']['Content-Type'] ?? null, 'Content-Type is kept' );
check_same( 'WordPress/6.6 | Akismet/5.4', $sent['args']['headers']['User-Agent'] ?? null, 'User-Agent is kept' );
check( ! in_array( 'host', header_names( $sent['args'] ), true ), 'the Host header (rest.akismet.com) is not sent to the service' );
check( ! in_array( 'content-length', header_names( $sent['args'] ), true ), 'Content-Length is left to the HTTP client' );
check_same( Moderation_Bridge::VERSION, $sent['args']['headers']['X-Moderation-Bridge'] ?? null, 'X-Moderation-Bridge names the plug-in version' );
check_same( 15, $sent['args']['timeout'], 'the timeout is kept' );
check_same( 'false', wp_remote_retrieve_body( $response ), 'the service\'s answer is returned to the caller' );
check( '' !== wp_remote_retrieve_header( $response, 'x-akismet-guid' ), 'with its X-akismet-guid header' );

// --- The bare host over http.
harness_reset();
wp_remote_post( 'http://rest.akismet.com/1.1/verify-key', array( 'body' => 'key=' . KEY . '&blog=https%3A%2F%2Fnews.example' ) );
check_same( HARNESS_SERVICE . '/1.1/verify-key', last_request()['url'], 'http://rest.akismet.com is sent to the service (https as configured)' );
check_same( 'key=' . KEY . '&blog=https%3A%2F%2Fnews.example', last_request()['args']['body'], 'verify-key body kept (key field, no api_key added)' );

// --- The key in the subdomain (old Akismet plugins): the key is added as api_key.
foreach ( array( 'http', 'https' ) as $scheme ) {
	harness_reset();
	wp_remote_post(
		"$scheme://" . KEY . '.rest.akismet.com/1.1/submit-spam',
		array(
			'body'    => 'blog=https%3A%2F%2Fnews.example&user_ip=203.0.113.9',
			'headers' => array( 'Host' => KEY . '.rest.akismet.com' ),
		)
	);
	check_same( HARNESS_SERVICE . '/1.1/submit-spam', last_request()['url'], "$scheme://<key>.rest.akismet.com is sent to the service" );
	check_same( KEY, harness_fields( last_request() )['api_key'] ?? null, "$scheme://<key>.rest.akismet.com: the key from the host goes in api_key" );
	check_same( 'blog=https%3A%2F%2Fnews.example&user_ip=203.0.113.9&api_key=' . KEY, last_request()['args']['body'], 'the original body is kept in front of the added field' );
}
harness_reset();
wp_remote_post( 'https://' . KEY . '.rest.akismet.com/1.1/comment-check', array( 'body' => 'api_key=ffffffffffff&user_ip=1.2.3.4' ) );
check_same( 'api_key=ffffffffffff&user_ip=1.2.3.4', last_request()['args']['body'], 'a body that names its api_key is not given a second one' );

harness_reset();
wp_remote_get( 'https://' . KEY . '.rest.akismet.com/1.2/usage-limit?format=json' );
check_same( HARNESS_SERVICE . '/1.2/usage-limit?format=json&api_key=' . KEY, last_request()['url'], 'a GET to <key>.rest.akismet.com gets the key in its query string' );
check_same( null, last_request()['args']['body'], 'and no body' );
harness_reset();
wp_remote_get( 'https://rest.akismet.com/1.1/test' );
check_same( array( HARNESS_SERVICE . '/1.1/test', null ), array( last_request()['url'], last_request()['args']['body'] ), 'a GET to the bare host is sent as it is' );

// --- Every Akismet path the plugin uses keeps its path, version and query.
$paths = array( '/1.1/comment-check', '/1.1/submit-spam', '/1.1/submit-ham', '/1.1/verify-key', '/1.2/key-sites', '/1.2/usage-limit', '/1.2/activity', '/1.1/get-stats', '/1.1/get-subscription', '/1.1/verify-wpcom-key', '/1.1/deactivate', '/1.1/token' );
foreach ( $paths as $path ) {
	harness_reset();
	$response = wp_remote_post( 'https://rest.akismet.com' . $path, array( 'body' => 'api_key=' . KEY ) );
	check_same( HARNESS_SERVICE . $path, last_request()['url'], "$path is sent to the same path on the service" );
}
check_same( 'path /1.1/token', wp_remote_retrieve_body( $response ), 'and its answer comes back' );
harness_reset();
$response = wp_remote_get( 'https://rest.akismet.com/1.2/key-sites?format=csv&month=2026-02' );
check_same( HARNESS_SERVICE . '/1.2/key-sites?format=csv&month=2026-02', last_request()['url'], 'a query string is kept' );
check_same( 'GET', last_request()['args']['method'], 'GET stays GET' );

// --- An IP address with Host: rest.akismet.com (Akismet's connectivity test).
harness_reset();
wp_remote_post( 'http://192.0.78.17/1.1/verify-key', array( 'headers' => array( 'Host' => 'rest.akismet.com' ) ) );
check_same( HARNESS_SERVICE . '/1.1/verify-key', last_request()['url'], 'an IP address with Host: rest.akismet.com is sent to the service' );

// --- Headers given as a raw string, as WordPress also allows.
harness_reset();
wp_remote_post(
	'https://rest.akismet.com/1.1/comment-check',
	array(
		'headers' => "Host: rest.akismet.com\r\nContent-Type: application/x-www-form-urlencoded",
		'body'    => 'api_key=' . KEY,
	)
);
check_same( array( 'Content-Type' => 'application/x-www-form-urlencoded', 'X-Moderation-Bridge' => Moderation_Bridge::VERSION ), last_request()['args']['headers'], 'string headers are parsed, Host dropped' );

// --- Other hosts are left alone.
$untouched = array(
	'https://comments.example.org/1.1/comment-check',
	'https://rest.akismet.com.evil.example/1.1/comment-check',
	'https://akismet.com/1.1/comment-check',
	'https://evil.example/1.1/comment-check?next=rest.akismet.com',
	'https://api.wordpress.org/plugins/info/1.0/',
	'https://evil_host.rest.akismet.com.example/1.1/comment-check',
);
foreach ( $untouched as $url ) {
	harness_reset();
	wp_remote_post( $url, array( 'body' => 'x=1' ) );
	check_same( $url, last_request()['url'], "$url is not redirected" );
}
harness_reset();
wp_remote_post( 'ftp://rest.akismet.com/1.1/comment-check' );
check_same( 'ftp://rest.akismet.com/1.1/comment-check', last_request()['url'], 'a non-http scheme is not redirected' );

// --- An earlier pre_http_request answer wins.
harness_reset();
$canned = harness_response( 200, 'canned' );
check_same( $canned, Moderation_Bridge::intercept( $canned, array(), 'https://rest.akismet.com/1.1/comment-check' ), 'a request another filter already answered is left alone' );

// --- A service path prefix; a trailing slash in the setting.
harness_reset();
configure( 'https://tools.newsroom.example.org/moderation/' );
$GLOBALS['http_handler'] = harness_service( 'https://tools.newsroom.example.org/moderation' );
wp_remote_post( 'https://rest.akismet.com/1.1/comment-check', array( 'body' => 'api_key=' . KEY ) );
check_same( 'https://tools.newsroom.example.org/moderation/1.1/comment-check', last_request()['url'], 'a service URL with a path is a prefix' );
$GLOBALS['http_handler'] = harness_service();
configure( HARNESS_SERVICE );

// --- Not configured: Akismet keeps talking to Akismet.
harness_reset();
configure( '' );
wp_remote_post( 'https://rest.akismet.com/1.1/comment-check', array( 'body' => 'api_key=' . KEY ) );
check_same( 'https://rest.akismet.com/1.1/comment-check', last_request()['url'], 'with no service URL the request goes to Akismet unchanged' );
configure( 'https://rest.akismet.com' );
harness_reset();
wp_remote_post( 'https://rest.akismet.com/1.1/comment-check', array( 'body' => 'api_key=' . KEY ) );
check_same( array( 'https://rest.akismet.com/1.1/comment-check' ), array_column( $GLOBALS['http_log'], 'url' ), 'a service URL on rest.akismet.com counts as none (no loop)' );
configure( HARNESS_SERVICE );

// --- No recursion: an Akismet request made while forwarding goes out unchanged.
harness_reset();
$GLOBALS['http_handler'] = static function ( string $url, array $args ) {
	if ( str_starts_with( $url, HARNESS_SERVICE ) ) {
		$inner = wp_remote_post( 'https://rest.akismet.com/1.1/comment-check', array( 'body' => 'inner' ) );
		return harness_response( 200, 'outer; inner said ' . wp_remote_retrieve_body( $inner ) );
	}
	return harness_response( 200, 'akismet' );
};
$response = wp_remote_post( 'https://rest.akismet.com/1.1/comment-check', array( 'body' => 'outer' ) );
check_same( array( HARNESS_SERVICE . '/1.1/comment-check', 'https://rest.akismet.com/1.1/comment-check' ), array_column( $GLOBALS['http_log'], 'url' ), 'a request made during forwarding is not forwarded again' );
check_same( 'outer; inner said akismet', wp_remote_retrieve_body( $response ), 'and both answer' );
$GLOBALS['http_handler'] = harness_service();

// --- The service is down: the caller sees the WP_Error (Akismet then holds the comment).
harness_reset();
$GLOBALS['http_handler'] = static fn() => new WP_Error( 'http_request_failed', 'cURL error 7: Failed to connect' );
$response                = wp_remote_post( 'https://rest.akismet.com/1.1/comment-check', array( 'body' => 'api_key=' . KEY ) );
check( is_wp_error( $response ), 'a failed request to the service returns its WP_Error' );
$GLOBALS['http_handler'] = harness_service();

// --- Through the (stand-in) Akismet plugin, both styles; headers read case-insensitively.
foreach ( array( 'current', 'legacy' ) as $style ) {
	harness_reset();
	Akismet::$style = $style;
	$answer         = Akismet::http_post( 'blog=https%3A%2F%2Fnews.example&user_ip=203.0.113.9&comment_content=hello', 'comment-check' );
	check_same( HARNESS_SERVICE . '/1.1/comment-check', last_request()['url'], "Akismet ($style style) reaches the service" );
	check_same( KEY, harness_fields( last_request() )['api_key'] ?? null, "Akismet ($style style): the service gets the key in api_key" );
	check_same( 'false', $answer[1], "Akismet ($style style) gets the answer" );
	check_same( $GLOBALS['harness_last_guid'], $answer[0]['x-akismet-guid'], "Akismet ($style style) reads x-akismet-guid" );
}

harness_done();
