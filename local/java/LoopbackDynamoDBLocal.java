import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local on 127.0.0.1 only. Its command line has no host option (only -port), and its
 * Jetty server is built with `new Server(port)`, which listens on every interface; no system
 * property changes that. So this builds the server from the same arguments as DynamoDBLocal.jar,
 * sets the host of its one connector, then starts it. local/embedded-dynamodb.ts compiles this file
 * once (with the JVM's own compiler module) and runs it instead of `-jar DynamoDBLocal.jar`.
 *
 * If DynamoDB Local's internals change so that the host cannot be set, it prints UNBOUND_MARKER
 * and the reason, and starts as the jar would: listening on every interface, which the caller reports.
 */
public final class LoopbackDynamoDBLocal {
  static final String HOST = "127.0.0.1";
  static final String UNBOUND_MARKER = "LOOPBACK_BIND_UNAVAILABLE:";

  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    try {
      Field field = DynamoDBProxyServer.class.getDeclaredField("server");
      field.setAccessible(true);
      Server jetty = (Server) field.get(proxy);
      Connector[] connectors = jetty.getConnectors();
      if (connectors.length == 0) throw new IllegalStateException("the server has no connector");
      for (Connector connector : connectors) ((ServerConnector) connector).setHost(HOST);
    } catch (ReflectiveOperationException | RuntimeException error) {
      System.err.println(UNBOUND_MARKER + " " + error);
    }
    proxy.start();
  }
}
