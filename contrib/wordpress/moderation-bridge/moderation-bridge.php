<?php
/**
 * Plugin Name:       Moderation bridge
 * Description:       Sends the Akismet plugin's checks to a self-hosted "moderation" service, holds the comments it holds, and keeps decisions in step both ways (signed webhook in, submit-spam/submit-ham out).
 * Version:           0.1.0
 * Requires at least: 6.0
 * Requires PHP:      8.2
 * License:           MIT
 * Text Domain:       moderation-bridge
 *
 * @package Moderation_Bridge
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

require_once __DIR__ . '/includes/class-moderation-bridge.php';

Moderation_Bridge::register();

/**
 * Settings → Moderation bridge: the service's URL and the webhook secret, unless
 * wp-config.php defines MODERATION_BRIDGE_URL / MODERATION_BRIDGE_WEBHOOK_SECRET.
 */
final class Moderation_Bridge_Settings {

	public const PAGE  = 'moderation-bridge';
	public const GROUP = 'moderation_bridge';

	public static function register(): void {
		add_action( 'admin_menu', array( self::class, 'add_page' ) );
		add_action( 'admin_init', array( self::class, 'register_settings' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( __FILE__ ), array( self::class, 'action_links' ) );
	}

	public static function add_page(): void {
		add_options_page(
			__( 'Moderation bridge', 'moderation-bridge' ),
			__( 'Moderation bridge', 'moderation-bridge' ),
			'manage_options',
			self::PAGE,
			array( self::class, 'render' )
		);
	}

	public static function register_settings(): void {
		register_setting(
			self::GROUP,
			Moderation_Bridge::OPTION_URL,
			array(
				'type'              => 'string',
				'default'           => '',
				'sanitize_callback' => array( self::class, 'sanitize_url' ),
			)
		);
		register_setting(
			self::GROUP,
			Moderation_Bridge::OPTION_SECRET,
			array(
				'type'              => 'string',
				'default'           => '',
				'sanitize_callback' => array( self::class, 'sanitize_secret' ),
			)
		);
	}

	/** @param string[] $links */
	public static function action_links( $links ): array {
		$links   = is_array( $links ) ? $links : array();
		$url     = admin_url( 'options-general.php?page=' . self::PAGE );
		$links[] = '<a href="' . esc_url( $url ) . '">' . esc_html__( 'Settings', 'moderation-bridge' ) . '</a>';
		return $links;
	}

	/** A service URL as typed: cleaned, or the stored one kept (with an error shown) when it is not an http(s) URL. */
	public static function sanitize_url( $value ): string {
		$stored = get_option( Moderation_Bridge::OPTION_URL, '' );
		$stored = is_string( $stored ) ? $stored : '';
		if ( ! is_string( $value ) ) {
			return $stored;
		}
		if ( '' === trim( $value ) ) {
			return '';
		}
		$clean = Moderation_Bridge::clean_service_url( $value );
		if ( '' === $clean ) {
			add_settings_error(
				Moderation_Bridge::OPTION_URL,
				'moderation_bridge_bad_url',
				__( 'The service URL must be an http:// or https:// address of the moderation service, such as https://comments.newsroom.example.org.', 'moderation-bridge' )
			);
			return $stored;
		}
		return $clean;
	}

	/** The webhook secret as typed; an empty field keeps the stored one (the page never shows it). */
	public static function sanitize_secret( $value ): string {
		$stored = get_option( Moderation_Bridge::OPTION_SECRET, '' );
		$stored = is_string( $stored ) ? $stored : '';
		if ( ! is_string( $value ) || '' === trim( $value ) ) {
			return $stored;
		}
		return trim( $value );
	}

	public static function render(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		$url_fixed    = Moderation_Bridge::is_constant( Moderation_Bridge::CONSTANT_URL );
		$secret_fixed = Moderation_Bridge::is_constant( Moderation_Bridge::CONSTANT_SECRET );
		$has_secret   = '' !== Moderation_Bridge::webhook_secret();
		$key          = Moderation_Bridge::akismet_key();
		$webhook_url  = rest_url( Moderation_Bridge::REST_NAMESPACE . Moderation_Bridge::REST_ROUTE );
		$from_config  = __( 'Set in wp-config.php by %s.', 'moderation-bridge' );
		?>
		<div class="wrap">
			<h1><?php echo esc_html__( 'Moderation bridge', 'moderation-bridge' ); ?></h1>
			<p><?php echo esc_html__( 'The Akismet plugin\'s requests go to your moderation service instead of Akismet. Enter the service\'s key (12 characters, 0-9 and a-f) in Settings → Akismet Anti-spam as usual.', 'moderation-bridge' ); ?></p>
			<form method="post" action="options.php">
				<?php settings_fields( self::GROUP ); ?>
				<table class="form-table" role="presentation">
					<tr>
						<th scope="row"><label for="moderation_bridge_url"><?php echo esc_html__( 'Service URL', 'moderation-bridge' ); ?></label></th>
						<td>
							<input type="url" class="regular-text code" id="moderation_bridge_url"
								name="<?php echo esc_attr( Moderation_Bridge::OPTION_URL ); ?>"
								value="<?php echo esc_attr( Moderation_Bridge::service_url() ); ?>"
								placeholder="https://comments.newsroom.example.org"
								<?php echo $url_fixed ? 'disabled' : ''; ?> />
							<p class="description">
								<?php
								echo $url_fixed
									? esc_html( sprintf( $from_config, Moderation_Bridge::CONSTANT_URL ) )
									: esc_html__( 'The address of the moderation service, without a path such as /1.1/.', 'moderation-bridge' );
								?>
							</p>
						</td>
					</tr>
					<tr>
						<th scope="row"><label for="moderation_bridge_webhook_secret"><?php echo esc_html__( 'Webhook secret', 'moderation-bridge' ); ?></label></th>
						<td>
							<input type="password" class="regular-text code" id="moderation_bridge_webhook_secret" autocomplete="new-password"
								name="<?php echo esc_attr( Moderation_Bridge::OPTION_SECRET ); ?>" value=""
								placeholder="<?php echo esc_attr( $has_secret ? __( '(set; leave empty to keep it)', 'moderation-bridge' ) : '' ); ?>"
								<?php echo $secret_fixed ? 'disabled' : ''; ?> />
							<p class="description">
								<?php
								echo $secret_fixed
									? esc_html( sprintf( $from_config, Moderation_Bridge::CONSTANT_SECRET ) )
									: esc_html__( 'The same value as the service\'s MODERATION_WEBHOOK_SECRET.', 'moderation-bridge' );
								?>
							</p>
						</td>
					</tr>
				</table>
				<?php
				if ( ! $url_fixed || ! $secret_fixed ) {
					submit_button();
				}
				?>
			</form>
			<h2><?php echo esc_html__( 'On the service', 'moderation-bridge' ); ?></h2>
			<p>
				<?php echo esc_html__( 'Add this address to the service\'s MODERATION_WEBHOOK_URLS, so decisions taken there reach WordPress:', 'moderation-bridge' ); ?>
				<code><?php echo esc_html( $webhook_url ); ?></code>
			</p>
			<h2><?php echo esc_html__( 'Status', 'moderation-bridge' ); ?></h2>
			<ul>
				<li><?php echo esc_html( class_exists( 'Akismet' ) ? __( 'Akismet plugin: active.', 'moderation-bridge' ) : __( 'Akismet plugin: not active. Install and activate it; this plug-in only redirects it.', 'moderation-bridge' ) ); ?></li>
				<li><?php echo esc_html( 1 === preg_match( '/^[0-9a-f]{12}$/', $key ) ? __( 'Akismet key: set, in the service\'s form.', 'moderation-bridge' ) : __( 'Akismet key: not a 12-character key yet. Enter the key the service gave you in Settings → Akismet Anti-spam.', 'moderation-bridge' ) ); ?></li>
				<li><?php echo esc_html( '' !== Moderation_Bridge::service_url() ? __( 'Service URL: set. Akismet requests go to the service.', 'moderation-bridge' ) : __( 'Service URL: not set. Akismet requests still go to Akismet.', 'moderation-bridge' ) ); ?></li>
				<li><?php echo esc_html( $has_secret ? __( 'Webhook secret: set.', 'moderation-bridge' ) : __( 'Webhook secret: not set. The webhook refuses every call.', 'moderation-bridge' ) ); ?></li>
			</ul>
		</div>
		<?php
	}
}

if ( is_admin() ) {
	Moderation_Bridge_Settings::register();
}
